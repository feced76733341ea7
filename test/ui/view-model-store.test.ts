import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_ENDED_MERGES_KEPT, MAX_ROUNDS_KEPT } from '../../components/view-model/mission-state.js';
import {
  DEFAULT_COALESCE_MS,
  FLOOD_EVENTS_PER_WINDOW,
  HEAVY_FLOOD_EVENTS_PER_WINDOW,
  MAX_MESSAGES,
  ViewModelStore,
} from '../../components/view-model/store.js';
import { EventBus } from '../../src/events/bus.js';
import { ev, missionInfo, output, started } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function storeWithCounter(info = missionInfo()) {
  const store = new ViewModelStore(info);
  const notified = { count: 0 };
  store.subscribe(() => (notified.count += 1));
  return { store, notified };
}

describe('coalescing', () => {
  it('publishes 1000 output events as one notification, after one window', () => {
    const { store, notified } = storeWithCounter();
    for (const event of started('parser')) store.apply(event);
    for (let i = 1; i <= 1000; i += 1) store.apply(output('parser', `line ${i}`));
    expect(notified.count).toBe(0);
    vi.advanceTimersByTime(DEFAULT_COALESCE_MS - 1);
    expect(notified.count).toBe(0);
    vi.advanceTimersByTime(1);
    expect(notified.count).toBe(1);
    expect(store.getSnapshot().workers[0]).toMatchObject({
      unitId: 'parser',
      lastLine: 'line 1000',
      lines: 1000,
    });
  });

  it('notifies once per window under a steady stream (20 per second at 50 ms)', () => {
    const { store, notified } = storeWithCounter();
    for (const event of started('parser')) store.apply(event);
    // 5000 lines spread over one second: 250 a window, below a flood.
    for (let i = 1; i <= 5000; i += 1) {
      store.apply(output('parser', `line ${i}`));
      if (i % 5 === 0) vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(DEFAULT_COALESCE_MS);
    expect(notified.count).toBeGreaterThanOrEqual(19);
    expect(notified.count).toBeLessThanOrEqual(21);
  });

  it('stretches the window under a flood: about 10 notifications a second', () => {
    const { store, notified } = storeWithCounter();
    for (const event of started('parser')) store.apply(event);
    // 40 000 lines a second: 2000 a window, well over FLOOD_EVENTS_PER_WINDOW.
    for (let ms = 1; ms <= 1000; ms += 1) {
      for (let i = 0; i < 40; i += 1) store.apply(output('parser', `line ${ms}.${i}`));
      vi.advanceTimersByTime(1);
    }
    expect(FLOOD_EVENTS_PER_WINDOW).toBeLessThan(2000);
    expect(notified.count).toBeGreaterThanOrEqual(9);
    expect(notified.count).toBeLessThanOrEqual(11);
    // Once it calms down, the window is back to its length.
    vi.advanceTimersByTime(4 * DEFAULT_COALESCE_MS);
    const calm = notified.count;
    store.apply(output('parser', 'calm'));
    vi.advanceTimersByTime(2 * DEFAULT_COALESCE_MS); // the first window after a flood is still long
    store.apply(output('parser', 'calm again'));
    vi.advanceTimersByTime(DEFAULT_COALESCE_MS);
    expect(notified.count).toBe(calm + 2);
  });

  it('stretches it further under a heavy flood: about 5 notifications a second', () => {
    const { store, notified } = storeWithCounter();
    for (const event of started('parser')) store.apply(event);
    // 200 000 lines a second: 10 000 a window, over HEAVY_FLOOD_EVENTS_PER_WINDOW.
    for (let ms = 1; ms <= 1000; ms += 1) {
      for (let i = 0; i < 200; i += 1) store.apply(output('parser', `line ${ms}.${i}`));
      vi.advanceTimersByTime(1);
    }
    expect(HEAVY_FLOOD_EVENTS_PER_WINDOW).toBeLessThan(10_000);
    expect(notified.count).toBeGreaterThanOrEqual(4);
    expect(notified.count).toBeLessThanOrEqual(6);
    store.flush();
    expect(store.getSnapshot().workers[0]?.lines).toBe(200_000);
  });

  it('keeps one timer pending however many events come, and none when idle', () => {
    const { store } = storeWithCounter();
    for (let i = 0; i < 500; i += 1) store.apply(ev('supervisor:paused', { runId: 1, paused: i % 2 === 0 }));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(DEFAULT_COALESCE_MS);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('publishes the operator’s actions at once, without waiting for the window', () => {
    const { store, notified } = storeWithCounter();
    store.setOverlay('help');
    expect(notified.count).toBe(1);
    expect(store.getSnapshot().overlay).toBe('help');
  });

  it('flush publishes what is pending and cancels the timer', () => {
    const { store, notified } = storeWithCounter();
    store.apply(ev('round:started', { runId: 1, round: 1 }));
    store.flush();
    expect(notified.count).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(store.getSnapshot().header.round).toBe(1);
  });
});

describe('stable snapshots', () => {
  it('returns the same reference while nothing changed', () => {
    const { store, notified } = storeWithCounter();
    const first = store.getSnapshot();
    store.flush();
    vi.advanceTimersByTime(1000);
    expect(store.getSnapshot()).toBe(first);
    expect(notified.count).toBe(0);
  });

  it('ignores events that change nothing visible (output of an attempt that is not running)', () => {
    const { store, notified } = storeWithCounter();
    const first = store.getSnapshot();
    store.apply(output('parser', 'nobody is running parser'));
    vi.advanceTimersByTime(DEFAULT_COALESCE_MS);
    expect(store.getSnapshot()).toBe(first);
    expect(notified.count).toBe(0);
  });

  it('drops late output from an earlier attempt by attempt number', () => {
    const { store } = storeWithCounter();
    for (const event of started('parser', 2)) store.apply(event);
    store.apply(output('parser', 'from attempt 2', 2));
    store.apply(output('parser', 'late line of attempt 1', 1));
    store.flush();
    expect(store.getSnapshot().workers[0]).toMatchObject({ lastLine: 'from attempt 2', lines: 1 });
  });

  it('rebuilds only the sections an event changed', () => {
    const { store } = storeWithCounter();
    for (const event of started('parser')) store.apply(event);
    store.flush();
    const before = store.getSnapshot();
    store.apply(output('parser', 'one more line'));
    store.flush();
    const after = store.getSnapshot();
    expect(after).not.toBe(before);
    expect(after.workers).not.toBe(before.workers);
    for (const section of [
      'header',
      'rounds',
      'attention',
      'merges',
      'health',
      'messages',
      'selection',
    ] as const)
      expect(after[section], section).toBe(before[section]);
  });
});

describe('bounded memory', () => {
  it('holds the same amount after 100 000 output lines as after 10', () => {
    const { store } = storeWithCounter();
    for (const event of [...started('parser'), ...started('lexer')]) store.apply(event);
    const feed = (from: number, to: number): void => {
      for (let i = from; i <= to; i += 1) {
        store.apply(output(i % 2 === 0 ? 'parser' : 'lexer', `${'x'.repeat(90)} ${i}`));
        if (i % 1000 === 0) vi.advanceTimersByTime(DEFAULT_COALESCE_MS);
      }
      store.flush();
    };
    feed(1, 10);
    const small = JSON.stringify(store.getSnapshot()).length;
    feed(11, 100_000);
    const large = JSON.stringify(store.getSnapshot()).length;
    // Only the counters' digits and the last lines differ.
    expect(large - small).toBeLessThan(64);
    expect(store.getSnapshot().workers.map((worker) => worker.lines)).toEqual([50_000, 50_000]);
  });

  it('cuts a huge line and strips escape sequences before it reaches the snapshot', () => {
    const { store } = storeWithCounter();
    for (const event of started('parser')) store.apply(event);
    store.apply(output('parser', `\u001b[2J\u001b[31mred\u001b[0m${'y'.repeat(100_000)}`));
    store.flush();
    const line = store.getSnapshot().workers[0]?.lastLine ?? '';
    expect(line.startsWith('redyyy')).toBe(true);
    expect(line.length).toBeLessThanOrEqual(300);
    expect(line).not.toContain('\u001b');
  });

  it('keeps the last rounds, every merge in flight and the newest ended merges, and a few messages', () => {
    const { store } = storeWithCounter();
    for (let round = 1; round <= MAX_ROUNDS_KEPT + 30; round += 1) {
      store.apply(ev('round:started', { runId: 1, round }));
      store.apply(ev('round:ended', { runId: 1, round, done: 0, failed: 0, merged: 0, rejected: 0 }));
    }
    for (let mergeId = 1; mergeId <= 200; mergeId += 1) {
      store.apply(ev('merge:queued', { runId: 1, mergeId, unitId: `u${mergeId}`, attempt: 1, branch: 'b' }));
      if (mergeId > 3)
        store.apply(ev('merge:merged', { runId: 1, mergeId, unitId: `u${mergeId}`, commit: 'c'.repeat(40) }));
    }
    for (let i = 0; i < 50; i += 1)
      store.apply(ev('supervisor:warning', { runId: 1, message: `warning ${i}` }));
    store.flush();
    const view = store.getSnapshot();
    expect(view.rounds).toHaveLength(MAX_ROUNDS_KEPT);
    expect(view.rounds.at(-1)?.round).toBe(MAX_ROUNDS_KEPT + 30);
    expect(view.merges.filter((row) => row.position !== null).map((row) => row.unitId)).toEqual([
      'u1',
      'u2',
      'u3',
    ]);
    expect(view.merges.filter((row) => row.position === null)).toHaveLength(MAX_ENDED_MERGES_KEPT);
    expect(view.messages).toHaveLength(MAX_MESSAGES);
    expect(view.messages.at(-1)?.text).toBe('warning 49');
  });
});

describe('reducing events', () => {
  it('counts units by status and follows the run in the header', () => {
    const { store } = storeWithCounter();
    const bus = new EventBus();
    store.attach(bus);
    bus.publish(
      ev('run:started', { runId: 7, planName: 'big', repo: '/r', resumed: false, units: 3, maxRounds: 2 }),
    );
    bus.publish(ev('round:started', { runId: 7, round: 1 }));
    for (const event of started('parser')) bus.publish(event);
    bus.publish(ev('unit:state', { runId: 7, unitId: 'lexer', from: 'pending', to: 'failed', reason: 'no' }));
    bus.publish(
      ev('unit:state', { runId: 7, unitId: 'cli', from: 'pending', to: 'blocked', reason: 'lexer' }),
    );
    bus.publish(
      ev('branch:promoted', {
        runId: 7,
        branch: 'gaffer/green',
        role: 'green',
        from: null,
        to: 'abcdef1234',
      }),
    );
    bus.publish(ev('supervisor:paused', { runId: 7, paused: true }));
    store.flush();
    expect(store.getSnapshot().header).toMatchObject({
      planName: 'big',
      runId: 7,
      round: 1,
      maxRounds: 2,
      greenCommit: 'abcdef1234',
      paused: true,
      counts: { pending: 0, running: 1, merging: 0, done: 0, failed: 1, blocked: 1, killed: 0 },
    });
    expect(store.getSnapshot().attention.map((unit) => `${unit.id}:${unit.status}`)).toEqual([
      'lexer:failed',
      'cli:blocked',
    ]);
  });

  it('gives each attempt a slot, reusing a freed one and the slot a unit last ran in', () => {
    const { store } = storeWithCounter(missionInfo({ concurrency: 2 }));
    for (const event of [...started('parser'), ...started('lexer')]) store.apply(event);
    store.apply(
      ev('attempt:ended', {
        runId: 1,
        unitId: 'parser',
        attempt: 1,
        outcome: 'killed',
        exitCode: null,
        durationMs: 10,
        commits: 0,
        handoff: 'missing',
        reason: 'killed',
        usage: null,
      }),
    );
    store.apply(ev('unit:state', { runId: 1, unitId: 'parser', from: 'running', to: 'killed', reason: 'k' }));
    store.flush();
    expect(store.getSnapshot().workers.map((w) => `${w.slot}:${w.unitId}:${w.state}`)).toEqual([
      '1:parser:killed',
      '2:lexer:running',
    ]);
    for (const event of started('parser', 2)) store.apply(event);
    store.flush();
    expect(store.getSnapshot().workers.map((w) => `${w.slot}:${w.unitId}:${w.attempt}:${w.state}`)).toEqual([
      '1:parser:2:running',
      '2:lexer:1:running',
    ]);
  });

  it('shows the merge queue by position, and rejected merges with their class', () => {
    const { store } = storeWithCounter();
    store.apply(ev('merge:queued', { runId: 1, mergeId: 1, unitId: 'parser', attempt: 1, branch: 'b1' }));
    store.apply(ev('merge:queued', { runId: 1, mergeId: 2, unitId: 'lexer', attempt: 1, branch: 'b2' }));
    store.apply(ev('merge:rebasing', { runId: 1, mergeId: 1, unitId: 'parser', onto: 'w' }));
    store.apply(ev('merge:verifying', { runId: 1, mergeId: 1, unitId: 'parser', candidate: 'c' }));
    store.apply(
      ev('merge:rejected', { runId: 1, mergeId: 1, unitId: 'parser', class: 'red', detail: 'tests' }),
    );
    store.flush();
    expect(store.getSnapshot().merges).toMatchObject([
      { mergeId: 1, state: 'rejected', rejectClass: 'red', position: null },
      { mergeId: 2, state: 'queued', position: 1 },
    ]);
  });

  it('keeps the latest health per check with its change against the previous snapshot, and the rounds’ delta', () => {
    const { store } = storeWithCounter();
    const snapshot = (
      label: 'baseline' | 'round' | 'candidate',
      round: number | null,
      commit: string,
      states: [string, boolean, string?][],
    ) =>
      ev('health:snapshot', {
        runId: 1,
        round,
        commit,
        label,
        passed: states.every(([, passed]) => passed),
        checks: states.map(([name, passed, outcome]) => ({
          name,
          passed,
          exitCode: passed ? 0 : 1,
          outcome: (outcome ?? 'exited') as 'exited' | 'timed-out',
        })),
      });
    store.apply(
      snapshot('baseline', null, 'b'.repeat(40), [
        ['tests', false],
        ['lint', true],
        ['types', true],
      ]),
    );
    store.apply(ev('round:started', { runId: 1, round: 1 }));
    // A candidate's snapshot is the working branch's only once its commit lands.
    store.apply(
      snapshot('candidate', null, 'c'.repeat(40), [
        ['tests', true],
        ['lint', true],
        ['types', true],
      ]),
    );
    store.flush();
    expect(store.getSnapshot().health.label).toBe('baseline');
    store.apply(ev('merge:merged', { runId: 1, mergeId: 1, unitId: 'parser', commit: 'c'.repeat(40) }));
    store.apply(
      snapshot('round', 1, 'd'.repeat(40), [
        ['tests', true],
        ['lint', false],
        ['types', false, 'timed-out'],
      ]),
    );
    store.apply(ev('round:ended', { runId: 1, round: 1, done: 1, failed: 0, merged: 1, rejected: 0 }));
    store.flush();
    const { health, rounds } = store.getSnapshot();
    expect(health).toMatchObject({
      label: 'round 1',
      commit: 'd'.repeat(40),
      passed: 1,
      failed: 1,
      errors: 1,
    });
    expect(health.checks.map((check) => `${check.name}:${check.state}:${check.change}`)).toEqual([
      'tests:passed:same',
      'lint:failed:broke',
      'types:error:broke',
    ]);
    expect(rounds[0]).toMatchObject({
      round: 1,
      done: 1,
      merged: 1,
      checksPassed: 1,
      checksTotal: 3,
      healthDelta: -1,
    });
    expect(rounds[0]?.durationMs).toBeGreaterThan(0);
  });

  it('shows a command once, whether its answer or its event comes first', () => {
    const { store } = storeWithCounter();
    store.apply(
      ev('supervisor:command', { runId: 1, command: 'kill', unitId: 'parser', ok: true, message: 'ending' }),
    );
    store.showMessage('ending', 'ok');
    expect(store.getSnapshot().messages.map((message) => message.text)).toEqual(['ending']);
  });
});

describe('selection', () => {
  it('moves over worker slots and wraps; Tab switches to the units to retry', () => {
    const { store } = storeWithCounter(missionInfo({ concurrency: 3 }));
    for (const event of started('parser')) store.apply(event);
    store.apply(ev('unit:state', { runId: 1, unitId: 'lexer', from: 'pending', to: 'failed', reason: 'no' }));
    store.flush();
    expect(store.getSnapshot().selection).toEqual({ pane: 'workers', index: 0, unitId: 'parser' });
    store.moveSelection(1);
    expect(store.getSnapshot().selection).toEqual({ pane: 'workers', index: 1, unitId: null });
    store.moveSelection(-2);
    expect(store.getSnapshot().selection.index).toBe(2);
    store.cycleFocus();
    expect(store.getSnapshot().selection).toEqual({ pane: 'units', index: 0, unitId: 'lexer' });
  });

  it('stays in range when the rows it pointed at go away', () => {
    const { store } = storeWithCounter();
    store.apply(ev('unit:state', { runId: 1, unitId: 'parser', from: 'pending', to: 'failed', reason: 'x' }));
    store.apply(ev('unit:state', { runId: 1, unitId: 'lexer', from: 'pending', to: 'failed', reason: 'x' }));
    store.flush();
    store.cycleFocus();
    store.moveSelection(1);
    expect(store.getSnapshot().selection.unitId).toBe('lexer');
    store.apply(
      ev('unit:state', { runId: 1, unitId: 'lexer', from: 'failed', to: 'pending', reason: 'retry' }),
    );
    store.flush();
    expect(store.getSnapshot().selection).toEqual({ pane: 'units', index: 0, unitId: 'parser' });
  });
});
