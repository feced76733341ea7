import { afterEach, expect, it } from 'vitest';
import { cleanup, filesOn, makeRepo, runMission, writes } from './mission-fixture.js';

let repo = '';
afterEach(() => cleanup(repo));

it('blocks every transitive dependent of a failed unit without charging them an attempt', async () => {
  repo = makeRepo();
  const { result, events } = await runMission(
    repo,
    {
      units: [
        { id: 'root', title: 'always fails', prompt: '@exit 3' },
        { id: 'child', title: 'needs root', prompt: writes('child'), depends_on: ['root'] },
        { id: 'grandchild', title: 'needs child', prompt: writes('grandchild'), depends_on: ['child'] },
        { id: 'free', title: 'independent', prompt: writes('free') },
      ],
    },
    { maxAttempts: 2, rounds: { max: 5 } },
  );
  try {
    const units = new Map(result.store.units.all(result.runId).map((unit) => [unit.id, unit]));
    expect(units.get('root')).toMatchObject({ status: 'failed', strikes: 2, attempts: 2 });
    for (const id of ['child', 'grandchild']) {
      expect(units.get(id)).toMatchObject({
        status: 'blocked',
        strikes: 0,
        attempts: 0,
        reason: 'dependency root failed',
      });
    }
    expect(
      result.store.attempts
        .forRun(result.runId)
        .filter((attempt) => attempt.unit_id !== 'root' && attempt.unit_id !== 'free'),
    ).toEqual([]);
    expect(filesOn(repo, 'gaffer/working')).toEqual(['base.txt', 'free.txt']);
    // The cascade is part of the failing change: failed first, then each block.
    const transitions = events.flatMap((event) =>
      event.type === 'unit:state' && event.payload.to !== 'running'
        ? [`${event.payload.unitId}:${event.payload.to}`]
        : [],
    );
    const failedAt = transitions.indexOf('root:failed');
    expect(transitions.slice(failedAt, failedAt + 3)).toEqual([
      'root:failed',
      'child:blocked',
      'grandchild:blocked',
    ]);
    // Nothing left to do: the mission stops after the round in which root failed.
    expect(result.rounds).toBe(2);
  } finally {
    result.store.close();
  }
});
