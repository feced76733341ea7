import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Recorder } from '../../src/controller/recorder.js';
import { EventBus } from '../../src/events/bus.js';
import type { GafferEvent } from '../../src/events/types.js';
import { Store } from '../../src/store/store.js';

let dir: string;
let store: Store;
let recorder: Recorder;
let published: GafferEvent[];
let runId: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaffer-recorder-'));
  store = Store.open(join(dir, 'state.db'));
  published = [];
  const bus = new EventBus();
  bus.onAny((event) => published.push(event));
  recorder = new Recorder(store, bus);
  runId = store.runs.create({ planName: 'p', planHash: 'h', repo: dir, configJson: '{}', maxRounds: 1 });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Recorder.record', () => {
  it('commits the write and the event rows, then publishes the events in order', () => {
    recorder.record(
      [
        ['round:started', { runId, round: 1 }],
        ['supervisor:warning', { runId, message: 'second' }],
      ],
      () => store.runs.startRound(runId, 1),
    );
    expect(store.runs.rounds(runId)).toHaveLength(1);
    expect(published.map((event) => event.type)).toEqual(['round:started', 'supervisor:warning']);
    expect(store.events.forRun(runId).map((row) => [row.type, JSON.parse(row.payload) as unknown])).toEqual([
      ['round:started', { runId, round: 1 }],
      ['supervisor:warning', { runId, message: 'second' }],
    ]);
  });

  it('publishes nothing and stores no event when the write throws', () => {
    const failure = new Error('the write failed');
    expect(() =>
      recorder.record([['round:started', { runId, round: 1 }]], () => {
        store.runs.startRound(runId, 1);
        throw failure;
      }),
    ).toThrow(failure);
    expect(published).toEqual([]);
    expect(store.events.forRun(runId)).toEqual([]);
    // The part of the write that ran before the throw was rolled back too.
    expect(store.runs.rounds(runId)).toEqual([]);
  });

  it('rolls back the write and publishes nothing when storing an event fails', () => {
    store.db.exec(`CREATE TRIGGER refuse_events BEFORE INSERT ON events
      WHEN NEW.type = 'supervisor:warning'
      BEGIN SELECT RAISE(ABORT, 'event log refused'); END;`);
    expect(() =>
      recorder.record(
        [
          ['round:started', { runId, round: 1 }],
          ['supervisor:warning', { runId, message: 'refused' }],
        ],
        () => store.runs.move(runId, 'running', 'failed', 'must not stick'),
      ),
    ).toThrow('event log refused');
    expect(published).toEqual([]);
    expect(store.events.forRun(runId)).toEqual([]);
    expect(store.runs.get(runId)).toMatchObject({ status: 'running', reason: '' });
  });

  it('still commits when a listener throws', () => {
    const errors: unknown[] = [];
    const bus = new EventBus((error) => errors.push(error));
    bus.onAny(() => {
      throw new Error('broken view');
    });
    const withBrokenListener = new Recorder(store, bus);
    expect(() =>
      withBrokenListener.record([['supervisor:warning', { runId, message: 'x' }]], () =>
        store.runs.move(runId, 'running', 'completed', 'done'),
      ),
    ).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(store.runs.get(runId)?.status).toBe('completed');
    expect(store.events.forRun(runId)).toHaveLength(1);
  });
});

describe('Recorder.publish', () => {
  it('delivers output events to subscribers without storing them', () => {
    recorder.publish('worker:output', { runId, unitId: 'a', attempt: 1, line: 'hello' });
    expect(published).toMatchObject([{ type: 'worker:output', payload: { line: 'hello' } }]);
    expect(store.events.forRun(runId)).toEqual([]);
  });
});
