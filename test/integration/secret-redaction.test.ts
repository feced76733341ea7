import fs from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { cleanup, makeRepo, runMission } from './mission-fixture.js';

let repo = '';
afterEach(() => cleanup(repo));

it('redacts API keys and tokens from logs, stored events and feedback', async () => {
  repo = makeRepo();
  const secret = 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345';
  const github = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
  const lines: string[] = [];
  const { result } = await runMission(
    repo,
    {
      units: [
        {
          id: 'leaky',
          title: 'prints secrets',
          prompt: `@print 1 using key ${secret}\n@stderr token=${github}\n@exit 1`,
        },
      ],
    },
    { maxAttempts: 1, rounds: { max: 1 } },
    { subscribe: (bus) => bus.on('worker:output', (event) => lines.push(event.line)) },
  );
  try {
    const [attempt] = result.store.attempts.forRun(result.runId);
    const log = fs.readFileSync(attempt?.log_path ?? '', 'utf8');
    expect(log).toContain('[REDACTED]');
    const stored =
      JSON.stringify(result.store.events.forRun(result.runId)) +
      JSON.stringify(result.store.units.all(result.runId));
    for (const text of [log, stored, lines.join('\n')]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(github);
    }
    expect(lines.some((line) => line.includes('using key [REDACTED]'))).toBe(true);
  } finally {
    result.store.close();
  }
});
