import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { cleanup, makeRepo, runMission } from './mission-fixture.js';
import { FAKE_CLAUDE, fakeArgv, installFakeClaude, plays } from './fake-claude.js';

let repo = '';
let fake: ReturnType<typeof installFakeClaude> | undefined;
afterEach(() => {
  fake?.restore();
  cleanup(repo);
});

it('a command agent gets its placeholders filled and, with output stream-json, is read like Claude Code', async () => {
  repo = makeRepo();
  fake = installFakeClaude();
  const { result } = await runMission(
    repo,
    {
      units: [
        { id: 'wrapped', title: 'wrapped', prompt: plays('success') },
        { id: 'refused', title: 'refused', prompt: plays('not-logged-in') },
      ],
    },
    {
      agent: {
        kind: 'command',
        command: FAKE_CLAUDE,
        args: [
          '--unit={unit_id}',
          '--attempt',
          '{attempt}',
          '--cd={workdir}',
          '--prompt={prompt_file}',
          '{model}',
        ],
        output: 'stream-json',
        autoCommit: true,
        env: { FAKE_CLAUDE_STATE: fake.stateDir },
      },
      concurrency: 1,
      rounds: { max: 1 },
    },
  );
  try {
    const attempts = new Map(result.store.attempts.forRun(result.runId).map((row) => [row.unit_id, row]));
    const wrapped = attempts.get('wrapped');
    expect(wrapped).toMatchObject({
      outcome: 'handed-off',
      handoff: 'valid',
      cost_usd: 0.0123,
      input_tokens: 1900,
    });

    const argv = fakeArgv(fake.stateDir, 'wrapped', 1);
    expect(argv.slice(0, 3)).toEqual(['--unit=wrapped', '--attempt', '1']);
    const workdir = argv[3]?.replace(/^--cd=/, '') ?? '';
    const promptFile = argv[4]?.replace(/^--prompt=/, '') ?? '';
    expect(path.isAbsolute(workdir)).toBe(true);
    expect(fs.readFileSync(promptFile, 'utf8')).toContain(plays('success'));
    expect(argv[5]).toBe('{model}');

    // Its verdict is read too: "not logged in" stops the run as a configuration error.
    expect(attempts.get('refused')).toMatchObject({ outcome: 'error', failure_kind: 'auth' });
    expect(result.stoppedBy).toBe('agent-auth');
  } finally {
    result.store.close();
  }
});
