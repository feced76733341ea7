/**
 * The merge request state machine:
 *
 *   queued -> rebasing -> verifying -> merged
 *   rebasing -> merged                the target already holds the changes
 *   rebasing -> rejected (conflict)   verifying -> rejected (red, regression, ...)
 *   rebasing | verifying -> queued    a restart or an infrastructure failure: try again, no strike
 *   verifying -> rebasing             the target moved while verifying: rebase again
 */
import { IllegalTransitionError } from '../errors.js';
import type { MergeStatus } from '../events/types.js';

const allowed: Record<MergeStatus, readonly MergeStatus[]> = {
  queued: ['rebasing', 'rejected'],
  rebasing: ['verifying', 'merged', 'rejected', 'queued'],
  verifying: ['merged', 'rejected', 'queued', 'rebasing'],
  merged: [],
  rejected: [],
};

export function assertMergeTransition(id: number, from: MergeStatus, to: MergeStatus): void {
  if (!allowed[from].includes(to)) throw new IllegalTransitionError('merge request', String(id), from, to);
}
