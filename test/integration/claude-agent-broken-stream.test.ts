import { afterEach, expect, it } from 'vitest';
import { cleanup, makeRepo, runMission } from './mission-fixture.js';
import { installFakeClaude, plays } from './fake-claude.js';

let repo = '';
let fake: ReturnType<typeof installFakeClaude> | undefined;
afterEach(() => {
  fake?.restore();
  cleanup(repo);
});

it('a Claude Code stream that crashes, is cut off, ends without a result or with an error result is a strike, each with its reason', async () => {
  repo = makeRepo();
  fake = installFakeClaude();
  const { result } = await runMission(
    repo,
    {
      units: ['crash', 'truncated', 'silent', 'error-result'].map((id) => ({
        id,
        title: id,
        prompt: plays(id),
      })),
    },
    {
      agent: { kind: 'claude', env: { FAKE_CLAUDE_STATE: fake.stateDir } },
      maxAttempts: 1,
      rounds: { max: 1 },
      concurrency: 2,
    },
  );
  try {
    expect(result.status).toBe('completed');
    const units = new Map(result.store.units.all(result.runId).map((unit) => [unit.id, unit]));
    for (const id of ['crash', 'truncated', 'silent', 'error-result'])
      expect(units.get(id), id).toMatchObject({ status: 'failed', strikes: 1 });

    const attempts = new Map(result.store.attempts.forRun(result.runId).map((row) => [row.unit_id, row]));
    expect(attempts.get('crash')).toMatchObject({ outcome: 'failed', failure_kind: 'crashed', exit_code: 1 });
    expect(attempts.get('crash')?.reason).toBe(
      'the agent crashed: "its stream ended without its result event (exit code 1); its last output: at Zb (/$bunfs/root/claude:4211:17)"',
    );
    // Usage up to the crash, from its assistant messages; the cost is only in the missing result.
    expect(attempts.get('crash')).toMatchObject({ input_tokens: 500, output_tokens: 20, cost_usd: null });

    expect(attempts.get('truncated')).toMatchObject({
      outcome: 'failed',
      failure_kind: 'crashed',
      exit_code: 0,
    });
    expect(attempts.get('truncated')?.reason).toBe(
      'the agent crashed: "its stream ended without its result event (exit code 0); 1 line was cut off"',
    );

    expect(attempts.get('silent')).toMatchObject({
      outcome: 'failed',
      failure_kind: 'crashed',
      exit_code: 0,
    });
    expect(attempts.get('silent')?.reason).toBe(
      'the agent crashed: "its stream ended without its result event (exit code 0)"',
    );

    expect(attempts.get('error-result')).toMatchObject({
      outcome: 'failed',
      failure_kind: 'error',
      exit_code: 0,
    });
    expect(attempts.get('error-result')?.reason).toBe(
      'the agent reported an error: "Tool execution failed: EACCES: permission denied, open files/locked.txt"',
    );
  } finally {
    result.store.close();
  }
});
