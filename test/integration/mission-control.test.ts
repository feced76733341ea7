import { afterEach, expect, it } from 'vitest';
import type { MissionControl } from '../../src/controller/control.js';
import type { GafferEvent } from '../../src/events/types.js';
import { cleanup, filesOn, makeRepo, runMission } from './mission-fixture.js';

let repo = '';
afterEach(() => cleanup(repo));

function sequence(events: readonly GafferEvent[]): string[] {
  return events.flatMap((event) => {
    switch (event.type) {
      case 'unit:state':
        return [`${event.payload.unitId}:${event.payload.to}`];
      case 'supervisor:command':
        return [
          `${event.payload.command}${event.payload.unitId ? ` ${event.payload.unitId}` : ''}:${event.payload.ok ? 'ok' : 'refused'}`,
        ];
      case 'supervisor:paused':
        return [event.payload.paused ? 'paused' : 'resumed'];
      default:
        return [];
    }
  });
}

it('kill ends a running attempt at no cost, retry runs it again, both while the mission goes on', async () => {
  repo = makeRepo();
  let control: MissionControl | undefined;
  const { result, events } = await runMission(
    repo,
    {
      units: [
        {
          id: 'slow',
          title: 'hangs the first time',
          prompt: '@attempt 1 @sleep 60000\n@write files/slow.txt s\n@commit slow',
        },
      ],
    },
    { maxAttempts: 1, rounds: { max: 1 } },
    {
      attach: (_bus, given) => {
        control = given;
      },
      subscribe: (bus) => {
        bus.on('attempt:started', (event) => {
          if (event.attempt === 1) expect(control?.kill('slow').ok).toBe(true);
        });
        bus.on('unit:state', (event) => {
          if (event.to === 'killed') {
            expect(control?.kill('slow')).toMatchObject({
              ok: false,
              message: 'slow has no running attempt to kill',
            });
            expect(control?.retry('slow').ok).toBe(true);
          }
        });
      },
    },
  );
  try {
    expect(sequence(events)).toEqual([
      'slow:running',
      'kill slow:ok',
      'slow:killed',
      'kill slow:refused',
      'slow:pending',
      'retry slow:ok',
      'slow:running',
      'slow:merging',
      'slow:done',
    ]);
    // maxAttempts is 1: a kill that cost a strike would have failed the unit for good.
    expect(result.store.units.get(result.runId, 'slow')).toMatchObject({
      status: 'done',
      strikes: 0,
      attempts: 2,
    });
    expect(result.store.attempts.forRun(result.runId).map((attempt) => attempt.outcome)).toEqual([
      'killed',
      'handed-off',
    ]);
    expect(filesOn(repo, 'gaffer/working')).toContain('slow.txt');
  } finally {
    result.store.close();
  }
});

it('pause holds new attempts until resume; quit ends the run cleanly and resumably', async () => {
  repo = makeRepo();
  let control: MissionControl | undefined;
  const { result, events } = await runMission(
    repo,
    {
      units: [
        { id: 'first', title: 'first', prompt: '@write files/first.txt 1\n@commit first' },
        { id: 'second', title: 'second', prompt: '@write files/second.txt 2\n@commit second' },
        { id: 'third', title: 'hangs', prompt: '@sleep 60000' },
      ],
    },
    { concurrency: 1 },
    {
      attach: (_bus, given) => {
        control = given;
      },
      subscribe: (bus) => {
        bus.on('attempt:started', (event) => {
          if (event.unitId === 'first') expect(control?.setPaused(true).ok).toBe(true);
          if (event.unitId === 'third') expect(control?.quit().ok).toBe(true);
        });
        bus.on('merge:merged', (event) => {
          if (event.unitId === 'first') expect(control?.setPaused(false).ok).toBe(true);
        });
      },
    },
  );
  try {
    const steps = sequence(events);
    // Unpaused, second would start as soon as first's attempt ended; paused, it waits for the resume.
    expect(steps.slice(0, 7)).toEqual([
      'first:running',
      'paused',
      'pause:ok',
      'first:merging',
      'resumed',
      'resume:ok',
      'first:done',
    ]);
    expect(steps.indexOf('second:running')).toBeGreaterThan(steps.indexOf('resumed'));
    expect(result).toMatchObject({ status: 'interrupted', stoppedBy: 'operator' });
    expect(result.store.runs.get(result.runId)?.reason).toContain('stopped by the operator');
    // The attempt the quit ended costs nothing and will run again on resume.
    expect(result.store.units.get(result.runId, 'third')).toMatchObject({ status: 'pending', strikes: 0 });
    // Its snapshots pass and it has no discovery agent: discovery says there is nothing to read.
    expect(control?.discover()).toMatchObject({
      ok: false,
      message: expect.stringContaining('nothing to discover from') as unknown,
    });
  } finally {
    result.store.close();
  }
});
