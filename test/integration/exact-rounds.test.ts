import { afterEach, expect, it } from 'vitest';
import { cleanup, filesOn, makeRepo, runMission, writes } from './mission-fixture.js';

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

it('an unfinished run is resumed by the next start with a new budget of rounds, never run again from scratch', async () => {
  repo = makeRepo();
  const plan = {
    units: [
      { id: 'quick', title: 'lands in round 1', prompt: writes('quick') },
      {
        id: 'late',
        title: 'fails twice, then lands',
        prompt: `@attempt 1 @exit 1\n@attempt 2 @exit 1\n${writes('late')}`,
      },
    ],
  };
  const first = await runMission(repo, plan, { maxAttempts: 5, rounds: { max: 2 } });
  try {
    expect(first.result.status).toBe('unfinished');
    expect(first.result.store.units.get(first.result.runId, 'late')).toMatchObject({
      status: 'pending',
      strikes: 2,
    });
  } finally {
    first.result.store.close();
  }
  const second = await runMission(repo, plan, { maxAttempts: 5, rounds: { max: 2 } });
  try {
    expect(second.result.runId).toBe(first.result.runId);
    expect(second.result.status).toBe('completed');
    expect(second.events.find((event) => event.type === 'run:started')?.payload).toMatchObject({
      resumed: true,
      maxRounds: 4,
    });
    // The unit that landed in the first start was not attempted again.
    const attempts = second.result.store.attempts
      .forRun(second.result.runId)
      .map((a) => `${a.unit_id}@${a.round}`)
      .sort();
    // Both start in round 1 side by side (either may be recorded first).
    expect(attempts).toEqual(['late@1', 'late@2', 'late@3', 'quick@1']);
    expect(filesOn(repo, 'gaffer/working')).toEqual(['base.txt', 'late.txt', 'quick.txt']);
  } finally {
    second.result.store.close();
  }
});
