/**
 * The run state machine: the only way a run's status changes
 * (`RunsTable.move` calls `assertRunTransition` and writes by compare and
 * swap). A completed run is finished: nothing resumes it, only an operator's
 * retry of one of its units makes it resumable again.
 *
 *   running -> completed | unfinished | interrupted | failed   the run ends
 *   running | interrupted | unfinished | failed -> running     a start resumes it (running: after a crash)
 *   completed | unfinished | failed -> interrupted            an operator retried a unit while no supervisor ran
 */
import { IllegalTransitionError } from '../errors.js';

/**
 * completed: every unit is done, failed or blocked; unfinished: it ran out of
 * rounds with units left (`gaffer run` resumes it with a new budget);
 * interrupted: stopped (a signal, the operator, tampering), resumable;
 * failed: it could not go on (resumable once the cause is fixed).
 */
export type RunStatus = 'running' | 'completed' | 'unfinished' | 'interrupted' | 'failed';

const allowed: Record<RunStatus, readonly RunStatus[]> = {
  running: ['completed', 'unfinished', 'interrupted', 'failed', 'running'],
  interrupted: ['running'],
  unfinished: ['running', 'interrupted'],
  failed: ['running', 'interrupted'],
  completed: ['interrupted'],
};

export function assertRunTransition(id: number, from: RunStatus, to: RunStatus): void {
  if (!allowed[from].includes(to)) throw new IllegalTransitionError('run', `#${id}`, from, to);
}

/** A run a start resumes rather than replacing. */
export function isResumable(status: RunStatus): boolean {
  return status !== 'completed';
}
