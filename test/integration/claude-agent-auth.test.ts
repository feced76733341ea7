import { afterEach, expect, it } from 'vitest';
import { cleanup, makeRepo, runMission } from './mission-fixture.js';
import { installFakeClaude, plays } from './fake-claude.js';

let repo = '';
let fake: ReturnType<typeof installFakeClaude> | undefined;
afterEach(() => {
  fake?.restore();
  cleanup(repo);
});

it('Claude Code not logged in (exit 0, is_error: true) stops the run as a configuration error before other units burn attempts', async () => {
  repo = makeRepo();
  fake = installFakeClaude();
  const { result, events } = await runMission(
    repo,
    {
      units: ['one', 'two', 'three'].map((id) => ({ id, title: id, prompt: plays('not-logged-in') })),
    },
    {
      agent: { kind: 'claude', env: { FAKE_CLAUDE_STATE: fake.stateDir } },
      concurrency: 1,
      retryBackoffMs: 0,
    },
  );
  try {
    expect(result.stoppedBy).toBe('agent-auth');
    expect(result.status).toBe('interrupted');
    expect(result.reason).toContain('Not logged in · Please run /login');
    const attempts = result.store.attempts.forRun(result.runId);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({
      outcome: 'error',
      failure_kind: 'auth',
      exit_code: 0,
      session_id: 'b539f851-5ddd-4378-9f1a-b6e60e33e5f1',
    });
    expect(attempts[0]?.reason).toContain('"Not logged in · Please run /login"');
    for (const unit of result.store.units.all(result.runId)) expect(unit.strikes).toBe(0);
    expect(events.filter((event) => event.type === 'attempt:started')).toHaveLength(1);
  } finally {
    result.store.close();
  }
});
