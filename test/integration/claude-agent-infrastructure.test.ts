import { afterEach, expect, it } from 'vitest';
import type { GafferEvent } from '../../src/events/types.js';
import { cleanup, filesOn, makeRepo, runMission } from './mission-fixture.js';
import { installFakeClaude, plays } from './fake-claude.js';

let repo = '';
let fake: ReturnType<typeof installFakeClaude> | undefined;
afterEach(() => {
  fake?.restore();
  cleanup(repo);
});

const ATTEMPT_TIMEOUT_MS = 600_000;

it('a rate-limited Claude Code and one that only retries its API call cost no strike and run again', async () => {
  repo = makeRepo();
  fake = installFakeClaude();
  const { result, events } = await runMission(
    repo,
    {
      units: [
        { id: 'limited', title: 'limited', prompt: plays('rate-limited-once') },
        { id: 'retrying', title: 'retrying', prompt: plays('stalls-once') },
      ],
    },
    {
      agent: { kind: 'claude', env: { FAKE_CLAUDE_STATE: fake.stateDir } },
      maxAttempts: 1,
      stallMs: 1500,
      retryBackoffMs: 0,
      attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
    },
  );
  try {
    // maxAttempts 1: a strike on either first attempt would have failed the unit.
    expect(result.status).toBe('completed');
    expect(filesOn(repo, 'gaffer/working')).toEqual(['base.txt', 'limited.txt', 'retrying.txt']);
    for (const unit of result.store.units.all(result.runId))
      expect(unit).toMatchObject({ status: 'done', strikes: 0 });

    const attempts = result.store.attempts.forRun(result.runId);
    const limited = attempts.filter((attempt) => attempt.unit_id === 'limited');
    expect(limited.map((attempt) => attempt.outcome)).toEqual(['error', 'handed-off']);
    expect(limited[0]).toMatchObject({ failure_kind: 'rate-limit', exit_code: 1 });
    expect(limited[0]?.reason).toContain('the agent was rate limited: "API Error: Request rejected (429)');

    const retrying = attempts.filter((attempt) => attempt.unit_id === 'retrying');
    expect(retrying.map((attempt) => attempt.outcome)).toEqual(['error', 'handed-off']);
    expect(retrying[0]?.failure_kind).toBe('stalled');
    expect(retrying[0]?.reason).toMatch(
      /only retry or reconnect notices for 2 s; the last: "API retry \d+\/10: unknown"/,
    );
    // Ended by the stall watch, far sooner than the attempt timeout.
    const ended = events.find(
      (event): event is Extract<GafferEvent, { type: 'attempt:ended' }> =>
        event.type === 'attempt:ended' && event.payload.unitId === 'retrying',
    );
    expect(ended?.payload.durationMs).toBeLessThan(ATTEMPT_TIMEOUT_MS / 4);
  } finally {
    result.store.close();
  }
});
