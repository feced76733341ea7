import { afterEach, expect, it } from 'vitest';
import { cleanup, makeRepo, runMission } from './mission-fixture.js';

let repo = '';
afterEach(() => cleanup(repo));

it('max_rounds = N runs exactly N rounds when work is left after each', async () => {
  repo = makeRepo();
  const { result, events } = await runMission(
    repo,
    { units: [{ id: 'stubborn', title: 'fails every time', prompt: '@exit 1' }] },
    { maxAttempts: 10, rounds: { max: 2 } },
  );
  try {
    expect(result.store.runs.rounds(result.runId).map((round) => round.number)).toEqual([1, 2]);
    expect(events.filter((event) => event.type === 'round:started')).toHaveLength(2);
    expect(events.filter((event) => event.type === 'round:ended')).toHaveLength(2);
    expect(result.store.attempts.forRun(result.runId)).toHaveLength(2);
    expect(result.status).toBe('unfinished');
    expect(result.reason).toContain('out of rounds (2)');
    expect(result.store.units.get(result.runId, 'stubborn')).toMatchObject({ status: 'pending', strikes: 2 });
  } finally {
    result.store.close();
  }
});

it('max_rounds = 1 runs one round', async () => {
  repo = makeRepo();
  const { result } = await runMission(
    repo,
    { units: [{ id: 'once', title: 'fails', prompt: '@exit 1' }] },
    { rounds: { max: 1 } },
  );
  try {
    expect(result.store.runs.rounds(result.runId)).toHaveLength(1);
    expect(result.store.attempts.forRun(result.runId)).toHaveLength(1);
  } finally {
    result.store.close();
  }
});
