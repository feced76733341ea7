/**
 * The attempt state machine: an attempt is `running` from the moment it is
 * recorded (before its agent is spawned) until it ends, once, with one of
 * the other outcomes; an ended attempt never changes again
 * (`AttemptsTable.end` writes by compare and swap from `running`).
 *
 *   running -> handed-off   the agent exited 0 with commits: they go to the merge queue
 *   running -> failed       the agent failed (a strike)
 *   running -> timed-out    it ran past its time limit (a strike)
 *   running -> killed       the operator or a stopping supervisor ended it (no strike)
 *   running -> reaped       a restarted supervisor found it from an earlier boot (no strike)
 *   running -> error        gaffer could not carry it out (a git step, the disk; no strike)
 */
import { IllegalTransitionError } from '../errors.js';

/** error: the attempt could not be carried out (gaffer's side or the machine): no strike. */
export type AttemptOutcome =
  'running' | 'handed-off' | 'failed' | 'timed-out' | 'killed' | 'reaped' | 'error';

export function assertAttemptTransition(id: number, from: AttemptOutcome, to: AttemptOutcome): void {
  if (from !== 'running' || to === 'running')
    throw new IllegalTransitionError('attempt', String(id), from, to);
}
