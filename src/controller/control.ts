import type { ProposalSource } from '../events/types.js';
import type { AttemptOutcome } from '../machines/attempt.js';
import type { LogWindow, LogWindowRequest } from '../workers/log-window.js';
import type { UnitDetail } from '../report/unit-detail.js';

export type { UnitDetail };

/**
 * What an operator can ask of a running mission (the UI's keys, signals).
 * Every command answers at once with what it did, in words: the UI shows the
 * message; the state change itself arrives as events.
 */
export interface CommandResult {
  ok: boolean;
  message: string;
}

export interface LiveOutput {
  unitId: string;
  attempt: number;
  /** The last lines of the attempt's output (its ring buffer), oldest first. */
  lines: readonly string[];
  /** The attempt's whole output on disk. */
  logPath: string;
}

/**
 * A bounded window of a unit's attempt log, read from disk: what the output
 * pane shows for an attempt that ended (or ran before a resume), and its
 * scrollback beyond the ring buffer.
 */
export interface LogView extends LogWindow {
  unitId: string;
  attempt: number;
  /** `running`, or how the attempt ended. */
  outcome: AttemptOutcome;
  logPath: string;
}

/** Which window: of attempt `attempt` (default: the unit's latest), by byte offset (default: its end). */
export interface LogViewRequest extends Omit<LogWindowRequest, 'maxBytes'> {
  attempt?: number;
}

/** A discovered unit waiting for the operator (`discovery.mode: confirm`). */
export interface OpenProposal {
  id: number;
  unitId: string;
  title: string;
  prompt: string;
  source: ProposalSource;
  discoveredFrom: string;
}

export interface MissionControl {
  /** Ends the unit's running attempt (its whole process group); the unit waits, killed, for a retry. No strike. */
  kill(unitId: string): CommandResult;
  /** Sends a failed, blocked or killed unit back to pending, with the units it blocked. */
  retry(unitId: string): CommandResult;
  /** Paused: running attempts go on, no new one starts. */
  setPaused(paused: boolean): CommandResult;
  isPaused(): boolean;
  /** Runs discovery now (says plainly when none is configured); what it finds arrives as events. */
  discover(): CommandResult;
  /** A waiting proposal joins the plan as a new unit. */
  accept(proposalId: number): CommandResult;
  /** A waiting proposal is dropped (kept in the record as rejected). */
  reject(proposalId: number): CommandResult;
  /** Proposals waiting for the operator, oldest first. */
  proposals(): readonly OpenProposal[];
  /** Stops gracefully: no new attempts, running ones end, state stays resumable. */
  quit(): CommandResult;
  /** The live output of the unit's running attempt, if it has one. */
  output(unitId: string): LiveOutput | undefined;
  /** A bounded window of the unit's attempt log on disk (its latest attempt's unless asked); undefined: no attempt yet. */
  logWindow(unitId: string, request?: LogViewRequest): LogView | undefined;
  /** Units with a running attempt. */
  running(): readonly { unitId: string; attempt: number; startedAt: number }[];
  /** Everything recorded about a unit (reasons, attempts, diff, verdicts, attribution); undefined: no such unit. */
  detail(unitId: string): Promise<UnitDetail | undefined>;
}
