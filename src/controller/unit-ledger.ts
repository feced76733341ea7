import { IllegalTransitionError } from '../errors.js';
import type { RejectClass, UnitStatus } from '../events/types.js';
import { assertUnitTransition, isRetryable } from '../machines/unit.js';
import type { UnitChanges, UnitRow, UnitSchedulingRow } from '../store/units.js';
import type { EventSpec, Recorder } from './recorder.js';

interface Effects {
  /** Events published before the unit's own `unit:state`. */
  before?: EventSpec[];
  /** Other rows written in the same transaction (the attempt's end, the merge's). */
  write?: () => void;
}

/** What a pass of the scheduler decides with: the units not done, and whether one is. */
export interface SchedulingView {
  open: readonly UnitSchedulingRow[];
  isDone: (id: string) => boolean;
}

/**
 * The unit policy of one run: which move each outcome makes (strikes, the
 * blocked cascade, requeues at no cost, an operator's retry) and the round
 * each unit last spent. Every unit status change of the controller goes
 * through here, and from here through the unit state machine
 * (src/machines/unit.ts); each method is one transaction and one burst of
 * events (through the Recorder).
 *
 * A unit gets at most one counted attempt per round: `last_round` is the
 * round of its last attempt that counted (handed off, failed, killed, or
 * gaffer's own error). An attempt that ends without counting (a restart
 * reaped it, the supervisor stopped) leaves it as it was, so the unit runs
 * again in the same round; an operator's retry clears it.
 */
export class UnitLedger {
  private readonly dependencies: Map<string, readonly string[]>;
  private dependents = new Map<string, string[]>();
  private dependencyChanges = 0;
  /** The run's unit ids and their count when read (see schedulingView). */
  private knownIds = new Set<string>();
  private knownCount = -1;

  constructor(
    private readonly recorder: Recorder,
    private readonly runId: number,
    private readonly maxAttempts: number,
    dependencies: ReadonlyMap<string, readonly string[]>,
  ) {
    this.dependencies = new Map(dependencies);
    this.indexDependents();
  }

  private indexDependents(): void {
    this.dependencyChanges += 1;
    this.dependents = new Map();
    for (const [unit, deps] of this.dependencies) {
      for (const dep of deps) this.dependents.set(dep, [...(this.dependents.get(dep) ?? []), unit]);
    }
  }

  /** A unit joined the run, or a live edit changed what it depends on (the rows are the caller's). */
  setDependencies(id: string, dependsOn: readonly string[]): void {
    this.dependencies.set(id, [...dependsOn]);
    this.indexDependents();
  }

  /** Dependencies of `id` that failed: a unit with any is blocked. */
  failedDependencies(id: string): string[] {
    return this.transitiveDependencies(id).filter((dep) => this.get(dep).status === 'failed');
  }

  get store() {
    return this.recorder.store;
  }

  get(id: string): UnitRow {
    const row = this.recorder.store.units.get(this.runId, id);
    if (!row) throw new Error(`unknown unit ${id} in run ${this.runId}`);
    return row;
  }

  all(): UnitRow[] {
    return this.recorder.store.units.all(this.runId);
  }

  /**
   * The units not done, with their status and counters (no texts), and
   * whether a unit is done: for the scheduler's passes. A unit is done when it
   * is the run's and not among the open ones; the run's ids are read again
   * only when their count changes (units are added, never deleted).
   */
  schedulingView(): SchedulingView {
    const { units } = this.recorder.store;
    const open = units.openSchedulingRows(this.runId);
    const count = units.count(this.runId);
    if (count !== this.knownCount) {
      this.knownIds = new Set(units.ids(this.runId));
      this.knownCount = count;
    }
    const openIds = new Set(open.map((unit) => unit.id));
    const known = this.knownIds;
    return { open, isDone: (id) => known.has(id) && !openIds.has(id) };
  }

  dependenciesOf(id: string): readonly string[] {
    return this.dependencies.get(id) ?? [];
  }

  /** Changes whenever the dependency edges do: what hasDependents says may then differ. */
  get dependencyEpoch(): number {
    return this.dependencyChanges;
  }

  /** Whether any unit of the run depends on `id`. */
  hasDependents(id: string): boolean {
    return (this.dependents.get(id)?.length ?? 0) > 0;
  }

  /**
   * Moves a unit, writing `changes` and anything in `write` in the same
   * transaction, and publishes `unit:state` after `before` and before `after`.
   */
  transition(
    id: string,
    to: UnitStatus,
    reason: string,
    options: Effects & { changes?: UnitChanges; after?: EventSpec[] } = {},
  ): void {
    const unit = this.get(id);
    const event: EventSpec = ['unit:state', { runId: this.runId, unitId: id, from: unit.status, to, reason }];
    this.recorder.record([...(options.before ?? []), event, ...(options.after ?? [])], () => {
      this.recorder.store.units.move(this.runId, id, unit.status, to, { ...options.changes, reason });
      options.write?.();
    });
  }

  /** An attempt starts (pending -> running); its round counts when it ends. */
  start(id: string, attempt: number, options: Effects & { after?: EventSpec[] } = {}): void {
    this.transition(id, 'running', `attempt ${attempt} started`, {
      ...options,
      changes: { attempts: attempt },
    });
  }

  /** The attempt produced commits: they wait in the merge queue (running -> merging). */
  handOff(id: string, round: number, reason: string, options: Effects = {}): void {
    this.transition(id, 'merging', reason, { ...options, changes: { last_round: round } });
  }

  /** An operator ended the attempt: no strike, the unit waits for a retry. */
  killed(id: string, round: number, reason: string, options: Effects = {}): void {
    this.transition(id, 'killed', reason, { ...options, changes: { last_round: round } });
  }

  /**
   * A move to compose into a bigger change (a live edit of the plan): its
   * event and its write, to be recorded together with the rest. Only the
   * moves a plan change makes: removed, blocked, and back to pending.
   */
  planMove(id: string, to: 'removed' | 'blocked' | 'pending', reason: string): [EventSpec, () => void] {
    const from = this.get(id).status;
    assertUnitTransition(id, from, to);
    return [
      ['unit:state', { runId: this.runId, unitId: id, from, to, reason }],
      () => this.recorder.store.units.move(this.runId, id, from, to, { reason }),
    ];
  }

  /** Its commits are in the working branch. */
  merged(id: string, reason: string, options: Effects = {}): void {
    this.transition(id, 'done', reason, options);
  }

  /**
   * What a merge's ending means for its unit: merged is done; red,
   * regression, unreadable and agent-error cost an attempt; conflict and
   * infrastructure do not (the target moved, or gaffer's side failed).
   */
  mergeEnded(
    id: string,
    ending:
      | { merged: true; commit: string; reason: string }
      | { merged: false; class: RejectClass; detail: string },
    options: Effects = {},
  ): void {
    if (ending.merged) {
      this.merged(id, ending.reason, options);
      return;
    }
    const feedback = `Attempt rejected by the merge queue (${ending.class}):\n${ending.detail}`;
    if (costsStrike(ending.class)) this.charge(id, `merge rejected: ${ending.class}`, feedback, options);
    else this.requeue(id, `merge rejected: ${ending.class} (no strike)`, { ...options, feedback });
  }

  /** No attempt could even start this round (its workspace could not be made): it waits for the next. */
  skipRound(id: string, round: number, events: EventSpec[]): void {
    this.recorder.record(events, () =>
      this.recorder.store.units.update(this.runId, id, { last_round: round }),
    );
  }

  /**
   * A failed attempt or a rejected merge that counts: one strike. With attempts
   * left the unit waits for the next round; without, it fails and every
   * transitive dependent is blocked, at no cost to them.
   */
  charge(id: string, reason: string, feedback: string, options: Effects & { round?: number } = {}): void {
    const unit = this.get(id);
    // Only an attempt or a merge is charged (pending -> failed is a spent budget's move alone).
    if (unit.status !== 'running' && unit.status !== 'merging')
      throw new IllegalTransitionError('unit charge', id, unit.status, 'failed');
    const strikes = unit.strikes + 1;
    const round = options.round === undefined ? {} : { last_round: options.round };
    if (strikes < this.maxAttempts) {
      this.transition(id, 'pending', `${reason} (attempt ${strikes} of ${this.maxAttempts} used)`, {
        before: options.before,
        write: options.write,
        changes: { strikes, feedback, ...round },
      });
      return;
    }
    this.failWithDependents(id, `${reason} (no attempts left: ${strikes} of ${this.maxAttempts} used)`, {
      ...options,
      changes: { strikes, feedback, ...round },
    });
  }

  /**
   * The unit's budget is spent (before an attempt, or an attempt ended for it):
   * it fails without a strike, and its dependents are blocked as for any failure.
   */
  budgetSpent(id: string, reason: string, options: Effects = {}): void {
    this.failWithDependents(id, reason, options);
  }

  /** The unit fails and every pending transitive dependent is blocked, at no cost to them. */
  private failWithDependents(id: string, reason: string, options: Effects & { changes?: UnitChanges }): void {
    const blocked = this.transitiveDependents(id).filter(
      (dependent) => this.get(dependent).status === 'pending',
    );
    const cascade: EventSpec[] = blocked.map((dependent) => [
      'unit:state',
      {
        runId: this.runId,
        unitId: dependent,
        from: 'pending',
        to: 'blocked',
        reason: `dependency ${id} failed`,
      },
    ]);
    this.transition(id, 'failed', reason, {
      before: options.before,
      ...(options.changes ? { changes: options.changes } : {}),
      after: cascade,
      write: () => {
        options.write?.();
        for (const dependent of blocked) {
          this.recorder.store.units.move(this.runId, dependent, 'pending', 'blocked', {
            reason: `dependency ${id} failed`,
          });
        }
      },
    });
  }

  /**
   * Back to pending at no cost: a restart, an infrastructure failure, a
   * conflict with a moved target. With `round`, the attempt counted for that
   * round (gaffer's own error); without, the unit may run again this round.
   */
  requeue(id: string, reason: string, options: Effects & { feedback?: string; round?: number } = {}): void {
    this.transition(id, 'pending', reason, {
      before: options.before,
      write: options.write,
      changes: {
        ...(options.feedback === undefined ? {} : { feedback: options.feedback }),
        ...(options.round === undefined ? {} : { last_round: options.round }),
      },
    });
  }

  /**
   * Why an operator's retry of `id` is refused, or undefined when it may go
   * ahead: only failed, blocked or killed units, and a blocked one only once
   * no dependency of it has failed (retry that one instead).
   */
  retryRefusal(id: string): string | undefined {
    const unit = this.recorder.store.units.get(this.runId, id);
    if (!unit) {
      const known = this.all().map((row) => row.id);
      return `there is no unit "${id}" (units: ${known.join(', ')})`;
    }
    if (!isRetryable(unit.status))
      return `${id} is ${unit.status}: only failed, blocked or killed units can be retried`;
    const failed = this.transitiveDependencies(id).filter((dep) => this.get(dep).status === 'failed');
    if (unit.status === 'blocked' && failed.length > 0)
      return `${id} is blocked by failed ${failed.join(', ')}: retry ${failed.length === 1 ? 'that one' : 'those'} instead`;
    return undefined;
  }

  /**
   * An operator's retry of a failed, blocked or killed unit: fresh attempts,
   * and every dependent it blocked that has no other failed dependency is
   * pending again.
   */
  retry(id: string, options: { write?: () => void } = {}): void {
    const unit = this.get(id);
    // running/merging -> pending is legal for a requeue, but a retry there would
    // wipe the strikes of a live attempt.
    if (!isRetryable(unit.status)) throw new IllegalTransitionError('unit retry', id, unit.status, 'pending');
    const unblock = this.transitiveDependents(id).filter(
      (dependent) =>
        this.get(dependent).status === 'blocked' &&
        !this.transitiveDependencies(dependent).some(
          (dep) => dep !== id && this.get(dep).status === 'failed',
        ),
    );
    const after: EventSpec[] = unblock.map((dependent) => [
      'unit:state',
      {
        runId: this.runId,
        unitId: dependent,
        from: 'blocked',
        to: 'pending',
        reason: `dependency ${id} retried`,
      },
    ]);
    // Fresh attempts, and the round is not spent: it runs in the current round.
    this.transition(id, 'pending', `retried by the operator (was ${unit.status})`, {
      changes: { strikes: 0, last_round: 0 },
      after,
      write: () => {
        options.write?.();
        for (const dependent of unblock) {
          this.recorder.store.units.move(this.runId, dependent, 'blocked', 'pending', {
            reason: `dependency ${id} retried`,
          });
        }
      },
    });
  }

  /** Every unit that depends on `id`, directly or through others, in breadth-first order. */
  transitiveDependents(id: string): string[] {
    return walk(id, (unit) => this.dependents.get(unit) ?? []);
  }

  transitiveDependencies(id: string): string[] {
    return walk(id, (unit) => this.dependencies.get(unit) ?? []);
  }
}

/** Red, regression, unreadable output and an agent's own error are the attempt's fault; the rest are not. */
export function costsStrike(rejectClass: RejectClass): boolean {
  switch (rejectClass) {
    case 'red':
    case 'regression':
    case 'unreadable':
    case 'agent-error':
      return true;
    case 'conflict':
    case 'infrastructure':
      return false;
    default: {
      const unreachable: never = rejectClass;
      return unreachable;
    }
  }
}

function walk(start: string, next: (id: string) => readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = [...next(start)];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (seen.has(id) || id === start) continue;
    seen.add(id);
    queue.push(...next(id));
  }
  return [...seen];
}
