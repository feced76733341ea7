import fs from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { processAlive } from '../../src/workers/process-group.js';
import { cleanup, makeRepo, runMission } from './mission-fixture.js';

let repo = '';
afterEach(() => cleanup(repo));

it('a timed-out attempt ends its whole process group, grandchildren too, and costs a strike', async () => {
  repo = makeRepo();
  // A budget meant to run out, yet one that outlasts two node startups on a loaded machine: the orphan must exist first.
  const { result, events } = await runMission(
    repo,
    { units: [{ id: 'stuck', title: 'hangs', prompt: '@spawn-orphan 120000\n@hang', timeoutMs: 8000 }] },
    { maxAttempts: 1, rounds: { max: 1 }, killGraceMs: 300 },
  );
  try {
    const [attempt] = result.store.attempts.forRun(result.runId);
    expect(attempt).toMatchObject({ outcome: 'timed-out', unit_id: 'stuck' });
    const log = fs.readFileSync(attempt?.log_path ?? '', 'utf8');
    const orphan = Number(/ORPHAN_PID (\d+)/.exec(log)?.[1]);
    expect(orphan).toBeGreaterThan(0);
    expect(processAlive(orphan)).toBe(false);
    expect(processAlive(attempt?.pid ?? 0)).toBe(false);
    expect(result.store.units.get(result.runId, 'stuck')).toMatchObject({ status: 'failed', strikes: 1 });
    const ended = events.find((event) => event.type === 'attempt:ended');
    expect(ended?.payload).toMatchObject({ outcome: 'timed-out' });
  } finally {
    result.store.close();
  }
});

it('drains more than 1 MB of agent output with no deadlock and keeps all of it on disk', async () => {
  repo = makeRepo();
  const { result } = await runMission(
    repo,
    {
      units: [
        {
          id: 'loud',
          title: 'floods',
          prompt: '@flood 1500000\n@write files/loud.txt done\n@commit loud',
          timeoutMs: 30_000,
        },
      ],
    },
    { rounds: { max: 1 } },
  );
  try {
    const [attempt] = result.store.attempts.forRun(result.runId);
    expect(attempt).toMatchObject({ outcome: 'handed-off', commits: 1 });
    expect(fs.statSync(attempt?.log_path ?? '').size).toBeGreaterThan(1_500_000);
    expect(result.store.units.get(result.runId, 'loud')?.status).toBe('done');
  } finally {
    result.store.close();
  }
});
