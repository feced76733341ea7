/**
 * The unit state machine: the only way a unit's status changes
 * (`UnitsTable.move` calls `assertUnitTransition` and writes by compare and
 * swap). The unit policy that chooses among these moves (strikes, the blocked
 * cascade, retries) is the controller's `UnitLedger`. A new run may create a
 * unit as done (its change is already in the working branch): a creation,
 * not a move; a pending unit never skips its merge.
 *
 *   pending -> running        an attempt starts
 *   running -> merging        the attempt produced commits; its branch is queued
 *   running -> pending        the attempt failed with attempts left, or ended without counting
 *                             (a restart reaped it, the supervisor stopped, gaffer's own failure)
 *   running -> failed         the attempt failed and no attempts are left, or its budget is spent
 *   running -> killed         an operator killed it (no strike; waits for a retry)
 *   merging -> done           its commits are in the working branch
 *   merging -> pending        the merge was rejected with attempts left (or at no cost)
 *   merging -> failed         the merge was rejected and no attempts are left
 *   pending -> blocked        a dependency failed (no attempt charged)
 *   pending -> failed         its budget (budget.perUnitUsd, perUnitTokens) is spent: no attempt may start
 *   blocked -> pending        the dependency recovered
 *   failed | blocked | killed -> pending   an operator's retry
 *   pending | failed | blocked | killed -> removed   a live edit of the plan file dropped it
 *                             (a unit that never merged; removed is final, and its id is not reused)
 */
import { IllegalTransitionError } from '../errors.js';

export type UnitStatus =
  'pending' | 'running' | 'merging' | 'done' | 'failed' | 'blocked' | 'killed' | 'removed';

const allowed: Record<UnitStatus, readonly UnitStatus[]> = {
  pending: ['running', 'blocked', 'failed', 'removed'],
  running: ['merging', 'pending', 'failed', 'killed'],
  merging: ['done', 'pending', 'failed'],
  done: [],
  failed: ['pending', 'removed'],
  blocked: ['pending', 'removed'],
  killed: ['pending', 'removed'],
  removed: [],
};

export const UNIT_STATUSES = [
  'pending',
  'running',
  'merging',
  'done',
  'failed',
  'blocked',
  'killed',
  'removed',
] as const satisfies readonly UnitStatus[];

/** How many units are in each status (every status present, zero or more). */
export function countByStatus(units: Iterable<{ status: UnitStatus }>): Record<UnitStatus, number> {
  const counts = Object.fromEntries(UNIT_STATUSES.map((status) => [status, 0])) as Record<UnitStatus, number>;
  for (const unit of units) counts[unit.status] += 1;
  return counts;
}

export function canTransition(from: UnitStatus, to: UnitStatus): boolean {
  return allowed[from].includes(to);
}

export function assertUnitTransition(unitId: string, from: UnitStatus, to: UnitStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError('unit', unitId, from, to);
}

/** A unit that can never change again without an operator. */
export function isSettled(status: UnitStatus): boolean {
  switch (status) {
    case 'done':
    case 'failed':
    case 'blocked':
    case 'killed':
    case 'removed':
      return true;
    case 'pending':
    case 'running':
    case 'merging':
      return false;
    default: {
      const unreachable: never = status;
      return unreachable;
    }
  }
}

/** Only an operator may retry these, and only the last two need no failed dependency. */
export function isRetryable(status: UnitStatus): boolean {
  return status === 'failed' || status === 'blocked' || status === 'killed';
}
