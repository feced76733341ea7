/**
 * The merge request state machine: the only way a request's status changes
 * (`MergesTable.move` calls `assertMergeTransition` and writes by compare and
 * swap). The merge queue decides these moves; what they mean for the unit is
 * the controller's.
 *
 *   queued -> rebasing -> verifying -> merged
 *                                     (also at a restart that finds the verified candidate in the working branch)
 *   rebasing -> merged                the target already holds the changes
 *   rebasing -> rejected (conflict)   verifying -> rejected (red, regression, ...)
 *   queued -> rejected                its attempt's commits are gone
 *   rebasing | verifying -> queued    a restart or an infrastructure failure: try again, no strike
 *   verifying -> rebasing             the target moved while verifying: rebase again
 *   verifying -> verifying            verified again (a bisection step): same state, new candidate
 */
import { IllegalTransitionError } from '../errors.js';

export type MergeStatus = 'queued' | 'rebasing' | 'verifying' | 'merged' | 'rejected';

const allowed: Record<MergeStatus, readonly MergeStatus[]> = {
  queued: ['rebasing', 'rejected'],
  rebasing: ['verifying', 'merged', 'rejected', 'queued'],
  verifying: ['verifying', 'merged', 'rejected', 'queued', 'rebasing'],
  merged: [],
  rejected: [],
};

export function assertMergeTransition(id: number, from: MergeStatus, to: MergeStatus): void {
  if (!allowed[from].includes(to)) throw new IllegalTransitionError('merge request', String(id), from, to);
}

/** Merged or rejected: the request will never move again. */
export function isEnded(status: MergeStatus): boolean {
  return status === 'merged' || status === 'rejected';
}
