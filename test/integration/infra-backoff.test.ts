import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { cleanup, filesOn, makeRepo, runMission } from './mission-fixture.js';

// Infrastructure failures cost no strike and come back after a doubling backoff; a few in a row
// send the unit to the next round, so a tool that is down for good still lets the run end.
const FAKE_CODEX = fileURLToPath(new URL('../fixtures/agents/fake-codex', import.meta.url));
const QUIET_AGENT = fileURLToPath(new URL('../fixtures/agents/quiet-jsonl-agent', import.meta.url));

let repo = '';
afterEach(() => cleanup(repo));

it('a rate-limited unit runs again after 300 ms, then 600 ms, then waits for the next round, never struck', async () => {
  repo = makeRepo();
  const { result, events } = await runMission(
    repo,
    { units: [{ id: 'limited', title: 'rate limited', prompt: '@scenario rate-limited' }] },
    {
      agent: { kind: 'codex', command: FAKE_CODEX },
      retryBackoffMs: 300,
      maxAttempts: 1,
      rounds: { max: 2 },
    },
  );
  try {
    const attempts = result.store.attempts.forRun(result.runId);
    expect(attempts.map((attempt) => attempt.round)).toEqual([1, 1, 1, 2, 2, 2]);
    for (const attempt of attempts)
      expect(attempt).toMatchObject({ outcome: 'error', failure_kind: 'rate-limit' });
    const requeues = events
      .filter(
        (event) =>
          event.type === 'unit:state' && event.payload.to === 'pending' && event.payload.from === 'running',
      )
      .map((event) => (event.type === 'unit:state' ? event.payload.reason : ''));
    expect(requeues).toHaveLength(6);
    expect(requeues[0]).toMatch(/\(no strike; runs again in 300 ms\)$/);
    expect(requeues[1]).toMatch(/\(no strike; runs again in 600 ms\)$/);
    expect(requeues[2]).toMatch(/\(no strike; runs again in the next round\)$/);
    // The streak starts over in the next round.
    expect(requeues[3]).toMatch(/\(no strike; runs again in 300 ms\)$/);
    // Waited at least the backoff (a loaded machine only waits longer).
    const gap = (from: number, to: number) =>
      Date.parse(attempts[to]!.started_at) - Date.parse(attempts[from]!.ended_at ?? '');
    expect(gap(0, 1)).toBeGreaterThanOrEqual(300);
    expect(gap(1, 2)).toBeGreaterThanOrEqual(600);
    const unit = result.store.units.get(result.runId, 'limited');
    expect(unit).toMatchObject({ status: 'pending', strikes: 0 });
    expect(result.status).toBe('unfinished');
  } finally {
    result.store.close();
  }
});

it('an agent that is silent longer than stallMs is not stalled: only retry notices are', async () => {
  repo = makeRepo();
  const { result } = await runMission(
    repo,
    { units: [{ id: 'thinker', title: 'thinks quietly', prompt: 'think, then write quiet.txt' }] },
    {
      agent: {
        kind: 'command',
        command: QUIET_AGENT,
        output: 'jsonl',
        autoCommit: true,
        env: { QUIET_MS: '3000' },
      },
      stallMs: 1000,
    },
  );
  try {
    expect(result.status).toBe('completed');
    const attempts = result.store.attempts.forRun(result.runId);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ outcome: 'handed-off', failure_kind: null, input_tokens: 10 });
    expect(filesOn(repo, 'gaffer/working')).toContain('quiet.txt');
  } finally {
    result.store.close();
  }
});
