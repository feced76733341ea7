import { IllegalTransitionError } from '../errors.js';
import type { UnitStatus } from '../events/types.js';
import type { UnitRow } from '../store/units.js';
import type { EventSpec, Recorder } from './recorder.js';
import { assertUnitTransition } from './unit-machine.js';

type UnitChanges = Partial<Pick<UnitRow, 'strikes' | 'attempts' | 'last_round' | 'feedback'>>;

/**
 * The units of one run and the rules that move them: strikes, the blocked
 * cascade and an operator's retry. Each method is one transaction and one
 * burst of events (through the Recorder).
 */
export class UnitLedger {
  private readonly dependents = new Map<string, string[]>();

  constructor(
    private readonly recorder: Recorder,
    private readonly runId: number,
    private readonly maxAttempts: number,
    private readonly dependencies: ReadonlyMap<string, readonly string[]>,
  ) {
    for (const [unit, deps] of dependencies) {
      for (const dep of deps) this.dependents.set(dep, [...(this.dependents.get(dep) ?? []), unit]);
    }
  }

  get(id: string): UnitRow {
    const row = this.recorder.store.units.get(this.runId, id);
    if (!row) throw new Error(`unknown unit ${id} in run ${this.runId}`);
    return row;
  }

  all(): UnitRow[] {
    return this.recorder.store.units.all(this.runId);
  }

  dependenciesOf(id: string): readonly string[] {
    return this.dependencies.get(id) ?? [];
  }

  /**
   * Moves a unit, writing `changes` and anything in `write` in the same
   * transaction, and publishes `unit:state` after `before` and before `after`.
   */
  transition(
    id: string,
    to: UnitStatus,
    reason: string,
    options: { changes?: UnitChanges; write?: () => void; before?: EventSpec[]; after?: EventSpec[] } = {},
  ): void {
    const unit = this.get(id);
    assertUnitTransition(id, unit.status, to);
    const event: EventSpec = ['unit:state', { runId: this.runId, unitId: id, from: unit.status, to, reason }];
    this.recorder.record([...(options.before ?? []), event, ...(options.after ?? [])], () => {
      this.recorder.store.units.update(this.runId, id, { ...options.changes, status: to, reason });
      options.write?.();
    });
  }

  /**
   * A failed attempt or a rejected merge that counts: one strike. With attempts
   * left the unit waits for the next round; without, it fails and every
   * transitive dependent is blocked, at no cost to them.
   */
  charge(
    id: string,
    reason: string,
    feedback: string,
    options: { before?: EventSpec[]; write?: () => void } = {},
  ): void {
    const unit = this.get(id);
    const strikes = unit.strikes + 1;
    if (strikes < this.maxAttempts) {
      this.transition(id, 'pending', `${reason} (attempt ${strikes} of ${this.maxAttempts} used)`, {
        ...options,
        changes: { strikes, feedback },
      });
      return;
    }
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
    this.transition(id, 'failed', `${reason} (no attempts left: ${strikes} of ${this.maxAttempts} used)`, {
      before: options.before,
      changes: { strikes, feedback },
      after: cascade,
      write: () => {
        options.write?.();
        for (const dependent of blocked) {
          assertUnitTransition(dependent, 'pending', 'blocked');
          this.recorder.store.units.update(this.runId, dependent, {
            status: 'blocked',
            reason: `dependency ${id} failed`,
          });
        }
      },
    });
  }

  /** Back to pending at no cost: a restart, an infrastructure failure, a conflict with a moved target. */
  requeueWithoutStrike(
    id: string,
    reason: string,
    options: { feedback?: string; before?: EventSpec[]; write?: () => void } = {},
  ): void {
    this.transition(id, 'pending', reason, {
      before: options.before,
      write: options.write,
      changes: options.feedback === undefined ? {} : { feedback: options.feedback },
    });
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
    if (unit.status !== 'failed' && unit.status !== 'blocked' && unit.status !== 'killed') {
      throw new IllegalTransitionError('unit retry', id, unit.status, 'pending');
    }
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
    this.transition(id, 'pending', `retried by the operator (was ${unit.status})`, {
      changes: { strikes: 0 },
      after,
      write: () => {
        options.write?.();
        for (const dependent of unblock) {
          this.recorder.store.units.update(this.runId, dependent, {
            status: 'pending',
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
