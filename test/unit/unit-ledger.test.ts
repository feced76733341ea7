import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Recorder } from '../../src/controller/recorder.js';
import { createRun } from '../../src/controller/run-setup.js';
import { UnitLedger } from '../../src/controller/unit-ledger.js';
import { IllegalTransitionError } from '../../src/errors.js';
import { EventBus } from '../../src/events/bus.js';
import type { GafferEvent, GafferEvents, UnitStatus } from '../../src/events/types.js';
import { parsePlan } from '../../src/plan/load.js';
import { Store } from '../../src/store/store.js';

/**
 * The ledger on a real SQLite file. The plan:
 *
 *   a -> b -> c        (b depends on a, c on b)
 *   a -> d -> f        (d depends on a, f on d and on e)
 *   e -> f
 *
 * so f has two roots (a and e) and e is otherwise independent.
 */
const MAX_ATTEMPTS = 2;

let dir: string;
let file: string;
let store: Store;
let bus: EventBus;
let recorder: Recorder;
let ledger: UnitLedger;
let runId: number;
let published: GafferEvent[];
let listenerErrors: unknown[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaffer-ledger-'));
  file = join(dir, 'state.db');
  store = Store.open(file);
  published = [];
  listenerErrors = [];
  bus = new EventBus((error) => listenerErrors.push(error));
  bus.onAny((event) => published.push(event));
  recorder = new Recorder(store, bus);
  const plan = parsePlan(
    {
      name: 'ledger',
      units: [
        { id: 'a', title: 'A', prompt: 'do a' },
        { id: 'b', title: 'B', prompt: 'do b', depends_on: ['a'] },
        { id: 'c', title: 'C', prompt: 'do c', depends_on: ['b'] },
        { id: 'd', title: 'D', prompt: 'do d', depends_on: ['a'] },
        { id: 'e', title: 'E', prompt: 'do e' },
        { id: 'f', title: 'F', prompt: 'do f', depends_on: ['d', 'e'] },
      ],
    },
    'ledger-test',
  );
  runId = createRun(store, { plan, repo: dir, configJson: '{}', maxRounds: 3 });
  ledger = new UnitLedger(recorder, runId, MAX_ATTEMPTS, store.units.dependencies(runId));
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

type UnitState = GafferEvents['unit:state'];

function unitStates(events: readonly GafferEvent[]): Omit<UnitState, 'runId' | 'reason'>[] {
  return events.flatMap((event) =>
    event.type === 'unit:state'
      ? [{ unitId: event.payload.unitId, from: event.payload.from, to: event.payload.to }]
      : [],
  );
}

function statuses(): Record<string, UnitStatus> {
  return Object.fromEntries(ledger.all().map((unit) => [unit.id, unit.status]));
}

/** Every event published is in the store's log, in the same order, and nothing else is. */
function expectLogMatchesPublished(): void {
  const logged = store.events.forRun(runId).map((row) => ({
    type: row.type,
    at: row.at,
    payload: JSON.parse(row.payload) as unknown,
  }));
  expect(logged).toEqual(
    published.map((event) => ({ type: event.type, at: event.at, payload: event.payload })),
  );
}

/** Fails a unit for good: MAX_ATTEMPTS attempts, each charged. */
function failForGood(id: string): void {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    ledger.transition(id, 'running', `attempt ${attempt}`);
    ledger.charge(id, `attempt ${attempt} failed`, `feedback ${attempt}`);
  }
}

describe('UnitLedger.charge with attempts left', () => {
  it('puts the unit back to pending with one more strike and stores the feedback', () => {
    ledger.transition('a', 'running', 'attempt 1');
    const before = published.length;
    ledger.charge('a', 'tests failed', 'FAIL test/a.test.ts');

    const a = ledger.get('a');
    expect(a.status).toBe('pending');
    expect(a.strikes).toBe(1);
    expect(a.feedback).toBe('FAIL test/a.test.ts');
    expect(a.reason).toBe(`tests failed (attempt 1 of ${MAX_ATTEMPTS} used)`);
    expect(unitStates(published.slice(before))).toEqual([{ unitId: 'a', from: 'running', to: 'pending' }]);
    // Nothing else moved: dependents wait, they are not blocked.
    expect(statuses()).toEqual({
      a: 'pending',
      b: 'pending',
      c: 'pending',
      d: 'pending',
      e: 'pending',
      f: 'pending',
    });
    expectLogMatchesPublished();
  });

  it('publishes the `before` events ahead of its unit:state and runs `write` in the same transaction', () => {
    ledger.transition('a', 'running', 'attempt 1');
    const before = published.length;
    ledger.charge('a', 'red', 'fb', {
      before: [['supervisor:warning', { runId, message: 'first' }]],
      write: () => store.runs.move(runId, 'running', 'interrupted', 'written with the charge'),
    });
    expect(published.slice(before).map((event) => event.type)).toEqual(['supervisor:warning', 'unit:state']);
    expect(store.runs.get(runId)?.reason).toBe('written with the charge');
    expectLogMatchesPublished();
  });

  it('writes nothing and publishes nothing when `write` throws', () => {
    ledger.transition('a', 'running', 'attempt 1');
    const rowBefore = ledger.get('a');
    const publishedBefore = published.length;
    const loggedBefore = store.events.forRun(runId).length;
    expect(() =>
      ledger.charge('a', 'red', 'fb', {
        write: () => {
          throw new Error('disk on fire');
        },
      }),
    ).toThrow('disk on fire');
    expect(ledger.get('a')).toEqual(rowBefore);
    expect(published).toHaveLength(publishedBefore);
    expect(store.events.forRun(runId)).toHaveLength(loggedBefore);
  });
});

describe('UnitLedger.charge on the last attempt', () => {
  it('fails the unit and blocks every pending transitive dependent at no cost to them', () => {
    ledger.transition('a', 'running', 'attempt 1');
    ledger.charge('a', 'attempt 1 failed', 'first feedback');
    ledger.transition('a', 'running', 'attempt 2');
    const before = published.length;
    ledger.charge('a', 'attempt 2 failed', 'last feedback');

    const a = ledger.get('a');
    expect(a.status).toBe('failed');
    expect(a.strikes).toBe(MAX_ATTEMPTS);
    expect(a.feedback).toBe('last feedback');
    expect(a.reason).toBe(`attempt 2 failed (no attempts left: 2 of ${MAX_ATTEMPTS} used)`);
    for (const id of ['b', 'c', 'd', 'f']) {
      const unit = ledger.get(id);
      expect(unit, id).toMatchObject({
        status: 'blocked',
        strikes: 0,
        attempts: 0,
        reason: 'dependency a failed',
      });
    }
    expect(ledger.get('e').status).toBe('pending');

    // failed first, then the cascade in breadth-first order, after the commit.
    expect(unitStates(published.slice(before))).toEqual([
      { unitId: 'a', from: 'running', to: 'failed' },
      { unitId: 'b', from: 'pending', to: 'blocked' },
      { unitId: 'd', from: 'pending', to: 'blocked' },
      { unitId: 'c', from: 'pending', to: 'blocked' },
      { unitId: 'f', from: 'pending', to: 'blocked' },
    ]);
    expectLogMatchesPublished();
  });

  it('publishes only after the whole cascade is committed (seen from a second connection)', () => {
    const reader = Store.open(file, { readonly: true });
    const seen: Record<string, UnitStatus | undefined>[] = [];
    bus.on('unit:state', (payload) => {
      if (payload.unitId === 'a' && payload.to === 'failed') {
        seen.push(
          Object.fromEntries(
            ['a', 'b', 'c', 'd', 'f'].map((id) => [id, reader.units.get(runId, id)?.status]),
          ),
        );
      }
    });
    try {
      failForGood('a');
    } finally {
      reader.close();
    }
    expect(listenerErrors).toEqual([]);
    expect(seen).toEqual([{ a: 'failed', b: 'blocked', c: 'blocked', d: 'blocked', f: 'blocked' }]);
  });

  it('fails and blocks in one transaction: a failure while blocking rolls back the failure too', () => {
    ledger.transition('a', 'running', 'attempt 1');
    ledger.charge('a', 'attempt 1 failed', 'first feedback');
    ledger.transition('a', 'running', 'attempt 2');
    // c is blocked last but one; make that single write fail.
    store.db.exec(`CREATE TRIGGER refuse_blocking_c BEFORE UPDATE OF status ON units
      WHEN NEW.id = 'c' AND NEW.status = 'blocked'
      BEGIN SELECT RAISE(ABORT, 'refused for the test'); END;`);
    const rows = ledger.all();
    const publishedBefore = published.length;
    const loggedBefore = store.events.forRun(runId).length;

    expect(() => ledger.charge('a', 'attempt 2 failed', 'last feedback')).toThrow('refused for the test');

    expect(ledger.all()).toEqual(rows);
    expect(ledger.get('a')).toMatchObject({ status: 'running', strikes: 1, feedback: 'first feedback' });
    expect(published).toHaveLength(publishedBefore);
    expect(store.events.forRun(runId)).toHaveLength(loggedBefore);
  });

  it('does not re-block a dependent that another failure already blocked', () => {
    failForGood('e');
    expect(ledger.get('f')).toMatchObject({ status: 'blocked', reason: 'dependency e failed' });
    const before = published.length;
    failForGood('a');
    const cascade = unitStates(published.slice(before)).filter((state) => state.to === 'blocked');
    expect(cascade.map((state) => state.unitId)).toEqual(['b', 'd', 'c']);
    expect(ledger.get('f').reason).toBe('dependency e failed');
    expectLogMatchesPublished();
  });

  it('fails a unit whose merge was rejected on its last attempt', () => {
    ledger.transition('e', 'running', 'attempt 1');
    ledger.transition('e', 'merging', 'queued');
    ledger.charge('e', 'merge rejected', 'conflict');
    ledger.transition('e', 'running', 'attempt 2');
    ledger.transition('e', 'merging', 'queued');
    ledger.charge('e', 'merge rejected', 'conflict again');
    expect(ledger.get('e')).toMatchObject({ status: 'failed', strikes: 2 });
    expect(ledger.get('f').status).toBe('blocked');
    expectLogMatchesPublished();
  });
});

describe('UnitLedger.retry', () => {
  it('sends a failed unit back with fresh strikes and unblocks the dependents only it blocked', () => {
    failForGood('e');
    failForGood('a');
    expect(statuses()).toEqual({
      a: 'failed',
      b: 'blocked',
      c: 'blocked',
      d: 'blocked',
      e: 'failed',
      f: 'blocked',
    });
    const before = published.length;
    ledger.retry('a');

    expect(ledger.get('a')).toMatchObject({
      status: 'pending',
      strikes: 0,
      reason: 'retried by the operator (was failed)',
    });
    expect(statuses()).toEqual({
      a: 'pending',
      b: 'pending',
      c: 'pending',
      d: 'pending',
      e: 'failed',
      // f also depends (through nothing) on e, which is still failed.
      f: 'blocked',
    });
    expect(unitStates(published.slice(before))).toEqual([
      { unitId: 'a', from: 'failed', to: 'pending' },
      { unitId: 'b', from: 'blocked', to: 'pending' },
      { unitId: 'd', from: 'blocked', to: 'pending' },
      { unitId: 'c', from: 'blocked', to: 'pending' },
    ]);

    ledger.retry('e');
    expect(statuses()).toMatchObject({ e: 'pending', f: 'pending' });
    expect(ledger.get('f').reason).toBe('dependency e retried');
    expectLogMatchesPublished();
  });

  it('gives the retried unit its full attempts again', () => {
    failForGood('e');
    ledger.retry('e');
    ledger.transition('e', 'running', 'attempt 3');
    ledger.charge('e', 'failed again', 'fb');
    // One strike after a retry leaves attempts: pending, not failed.
    expect(ledger.get('e')).toMatchObject({ status: 'pending', strikes: 1 });
    expect(ledger.get('f').status).toBe('pending');
  });

  it('brings back a killed unit', () => {
    ledger.transition('e', 'running', 'attempt 1');
    ledger.transition('e', 'killed', 'operator');
    ledger.retry('e');
    expect(ledger.get('e')).toMatchObject({
      status: 'pending',
      reason: 'retried by the operator (was killed)',
    });
    expectLogMatchesPublished();
  });

  it('refuses to retry a running or merging unit, which would wipe the strikes of a live attempt', () => {
    ledger.transition('a', 'running', 'attempt 1');
    ledger.charge('a', 'red', 'fb');
    ledger.transition('a', 'running', 'attempt 2');
    const running = ledger.get('a');
    const publishedBefore = published.length;
    expect(() => ledger.retry('a')).toThrow(IllegalTransitionError);
    expect(ledger.get('a')).toEqual(running);

    ledger.transition('a', 'merging', 'queued');
    const merging = ledger.get('a');
    expect(() => ledger.retry('a')).toThrow(IllegalTransitionError);
    expect(ledger.get('a')).toEqual(merging);
    expect(merging.strikes).toBe(1);
    expect(unitStates(published.slice(publishedBefore))).toEqual([
      { unitId: 'a', from: 'running', to: 'merging' },
    ]);
    expectLogMatchesPublished();
  });
});

describe('UnitLedger.requeue', () => {
  it('returns a running unit to pending and keeps its strikes', () => {
    ledger.transition('a', 'running', 'attempt 1');
    ledger.charge('a', 'red', 'old feedback');
    ledger.transition('a', 'running', 'attempt 2');
    ledger.requeue('a', 'the supervisor restarted');
    expect(ledger.get('a')).toMatchObject({
      status: 'pending',
      strikes: 1,
      feedback: 'old feedback',
      reason: 'the supervisor restarted',
    });

    ledger.transition('a', 'running', 'attempt 2 again');
    ledger.requeue('a', 'infrastructure', { feedback: 'the check timed out' });
    expect(ledger.get('a')).toMatchObject({ status: 'pending', strikes: 1, feedback: 'the check timed out' });
    // Strikes kept, not reset: the next charge is the last one.
    ledger.transition('a', 'running', 'attempt 3');
    ledger.charge('a', 'red', 'fb');
    expect(ledger.get('a').status).toBe('failed');
    expectLogMatchesPublished();
  });

  it('requeues a merging unit (a conflict with a moved target) at no cost', () => {
    ledger.transition('e', 'running', 'attempt 1');
    ledger.transition('e', 'merging', 'queued');
    ledger.requeue('e', 'target moved');
    expect(ledger.get('e')).toMatchObject({ status: 'pending', strikes: 0 });
  });
});

describe('UnitLedger.budgetSpent', () => {
  it('fails a pending unit without a strike and blocks its dependents', () => {
    ledger.budgetSpent('a', "unit a's budget is spent");
    expect(ledger.get('a')).toMatchObject({
      status: 'failed',
      strikes: 0,
      reason: "unit a's budget is spent",
    });
    expect(statuses()).toMatchObject({
      b: 'blocked',
      c: 'blocked',
      d: 'blocked',
      e: 'pending',
      f: 'blocked',
    });
    expect(unitStates(published)[0]).toEqual({ unitId: 'a', from: 'pending', to: 'failed' });
  });

  it('fails a running unit whose attempt was ended for it', () => {
    ledger.transition('e', 'running', 'attempt 1');
    ledger.budgetSpent('e', 'spent');
    expect(statuses()).toMatchObject({ e: 'failed', f: 'blocked', a: 'pending' });
  });
});

describe('an illegal transition through the ledger', () => {
  it.each([
    ['pending -> done', (): void => ledger.transition('a', 'done', 'skip')],
    ['pending -> killed', (): void => ledger.transition('a', 'killed', 'skip')],
    ['charge a pending unit', (): void => ledger.charge('a', 'red', 'feedback that must not be stored')],
    ['charge a pending unit on its last attempt', (): void => ledger.charge('e', 'red', 'fb')],
    ['requeue a pending unit', (): void => ledger.requeue('a', 'no', { feedback: 'nope' })],
    ['retry a pending unit', (): void => ledger.retry('a')],
  ])('%s throws and writes nothing', (_name, act) => {
    // e has one strike so that charging it would be its last attempt.
    ledger.transition('e', 'running', 'attempt 1');
    ledger.charge('e', 'red', 'first');
    const rows = ledger.all();
    const publishedBefore = published.length;
    const logged = store.events.forRun(runId);

    expect(act).toThrow(IllegalTransitionError);

    expect(ledger.all()).toEqual(rows);
    expect(published).toHaveLength(publishedBefore);
    expect(store.events.forRun(runId)).toEqual(logged);
  });

  it('leaves a done unit done', () => {
    ledger.transition('e', 'running', 'attempt 1');
    ledger.transition('e', 'merging', 'queued');
    ledger.transition('e', 'done', 'merged');
    const row = ledger.get('e');
    for (const to of ['pending', 'running', 'merging', 'failed', 'blocked', 'killed'] as const) {
      expect(() => ledger.transition('e', to, 'no')).toThrow(IllegalTransitionError);
    }
    expect(() => ledger.retry('e')).toThrow(IllegalTransitionError);
    expect(ledger.get('e')).toEqual(row);
    expectLogMatchesPublished();
  });

  it('refuses an unknown unit', () => {
    expect(() => ledger.get('zz')).toThrow(/unknown unit zz/);
  });
});

describe('the graph walks', () => {
  it('follows dependents and dependencies transitively', () => {
    expect(ledger.transitiveDependents('a')).toEqual(['b', 'd', 'c', 'f']);
    expect(ledger.transitiveDependents('e')).toEqual(['f']);
    expect(ledger.transitiveDependents('c')).toEqual([]);
    expect(ledger.transitiveDependencies('f').sort()).toEqual(['a', 'd', 'e']);
    expect(ledger.dependenciesOf('f')).toEqual(['d', 'e']);
    expect(ledger.dependenciesOf('a')).toEqual([]);
  });
});

describe("the scheduler's view", () => {
  it('reads only the units not done, in plan order, and says done only of a unit of the run that is', () => {
    store.units.move(runId, 'a', 'pending', 'running', { reason: 'started' });
    store.units.move(runId, 'a', 'running', 'merging', { reason: 'handed off' });
    store.units.move(runId, 'a', 'merging', 'done', { reason: 'merged' });
    const view = ledger.schedulingView();
    expect(view.open.map((unit) => unit.id)).toEqual(['b', 'c', 'd', 'e', 'f']);
    expect(view.isDone('a')).toBe(true);
    expect(view.isDone('b')).toBe(false);
    // Not a unit of the run: never done, so nothing that names it can start.
    expect(view.isDone('zz')).toBe(false);

    // A unit that joins later (discovery, an edit) is known from the next pass on.
    store.units.insert(runId, {
      id: 'g',
      title: 'G',
      prompt: 'do g',
      dependsOn: [],
      specJson: '{}',
      done: 'found merged',
    });
    expect(view.isDone('g')).toBe(false);
    const next = ledger.schedulingView();
    expect(next.isDone('g')).toBe(true);
    expect(next.open.map((unit) => unit.id)).toEqual(['b', 'c', 'd', 'e', 'f']);
  });
});
