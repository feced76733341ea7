import { afterEach, expect, it } from 'vitest';
import { cleanup, filesOn, makeRepo, runMission } from './mission-fixture.js';
import { fakeArgv, installFakeClaude, plays } from './fake-claude.js';

let repo = '';
let fake: ReturnType<typeof installFakeClaude> | undefined;
afterEach(() => {
  fake?.restore();
  cleanup(repo);
});

it('runs `claude` from PATH and records the session, tokens and cost its result reported on the attempt', async () => {
  repo = makeRepo();
  fake = installFakeClaude();
  const { result } = await runMission(
    repo,
    {
      units: [
        { id: 'alpha', title: 'alpha', prompt: plays('success') },
        { id: 'beta', title: 'beta', prompt: plays('success') },
      ],
    },
    { agent: { kind: 'claude', env: { FAKE_CLAUDE_STATE: fake.stateDir } }, rounds: { max: 1 } },
  );
  try {
    expect(result.status).toBe('completed');
    const attempts = result.store.attempts.forRun(result.runId);
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) {
      expect(attempt).toMatchObject({
        outcome: 'handed-off',
        handoff: 'valid',
        failure_kind: null,
        input_tokens: 1900,
        output_tokens: 100,
        cached_tokens: 8400,
        cost_usd: 0.0123,
        start_mode: 'cold',
      });
      expect(attempt.session_id).toMatch(/^5e5510a0-/);
    }
    expect(fakeArgv(fake.stateDir, 'alpha', 1)).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'acceptEdits',
    ]);
    // Claude Code leaves its edits uncommitted: gaffer committed them and merged both.
    expect(filesOn(repo, 'gaffer/working')).toEqual(['alpha.txt', 'base.txt', 'beta.txt']);
  } finally {
    result.store.close();
  }
});
