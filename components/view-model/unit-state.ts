/**
 * A unit as the screen's reducer keeps it, and what follows from it: its row
 * for a snapshot, whether it is retrying, whether it wants the operator's eye.
 */
import type { GafferEvents, UnitStatus, Usage as Spend } from '../../src/events/types.js';
import { addSpend, formatSpend, NO_SPEND } from '../../src/report/cost.js';
import { screenText } from './screen-text.js';
import type { AttemptMark, UnitRow } from './types.js';

/** Ended attempts listed per unit; older ones are counted in `attempts` only. */
export const MAX_ATTEMPT_MARKS = 8;

/** A unit as the reducer keeps it: the row's fields, its marks as a growing list and its usage unformatted. */
export interface UnitState extends Omit<UnitRow, 'marks' | 'spend' | 'costUsd'> {
  marks: AttemptMark[];
  usage: Spend | null;
  /** How its latest attempt ended; null before one ended (or after an operator's retry). */
  lastOutcome: AttemptMark['outcome'] | null;
}

export function newUnit(id: string, title: string, status: UnitStatus, order: number): UnitState {
  return {
    id,
    title: screenText(title, 200),
    status,
    attempts: 0,
    strikes: 0,
    order,
    dependsOn: [],
    marks: [],
    usage: null,
    lastOutcome: null,
    logPath: null,
    reason: '',
    origin: 'plan',
    discoveredFrom: null,
    waitsFor: null,
  };
}

export function unitRow(unit: UnitState): UnitRow {
  const { usage, lastOutcome: _lastOutcome, ...row } = unit;
  return { ...row, marks: [...unit.marks], spend: formatSpend(usage), costUsd: usage?.costUsd ?? 0 };
}

/** Outcomes that count as a failed attempt (a kill is the operator's, a hand-off is a success). */
export const FAILED_OUTCOMES = new Set<AttemptMark['outcome']>(['failed', 'timed-out', 'error', 'reaped']);

/** How an ended attempt is said on its worker's row. */
export const OUTCOME_WORDS: Record<AttemptMark['outcome'], string> = {
  running: 'running',
  'handed-off': 'handed off',
  failed: 'failed',
  'timed-out': 'timed out',
  killed: 'killed',
  reaped: 'reaped',
  error: 'error',
};

/** Pending again after a failed attempt, with attempts left. */
export function isRetrying(unit: UnitState): boolean {
  return unit.status === 'pending' && unit.lastOutcome !== null && FAILED_OUTCOMES.has(unit.lastOutcome);
}

/**
 * Retryable units, removed ones, pending ones that failed an attempt and run
 * again, and pending ones that joined during the run or wait on an overlap.
 */
export function wantsAttention(unit: UnitState): boolean {
  switch (unit.status) {
    case 'failed':
    case 'blocked':
    case 'killed':
    case 'removed':
      return true;
    case 'pending':
      return unit.origin !== 'plan' || unit.waitsFor !== null || isRetrying(unit);
    case 'running':
    case 'merging':
    case 'done':
      return false;
    default: {
      const unreachable: never = unit.status;
      return unreachable;
    }
  }
}

/** An ended attempt: one more mark (the oldest go past MAX_ATTEMPT_MARKS), its usage added. */
export function addMark(unit: UnitState, p: GafferEvents['attempt:ended'], usage: Spend | null): void {
  unit.marks.push({ attempt: p.attempt, outcome: p.outcome, spend: formatSpend(usage) });
  if (unit.marks.length > MAX_ATTEMPT_MARKS) unit.marks.shift();
  unit.usage = usage ? addSpend(unit.usage ?? NO_SPEND, usage) : unit.usage;
  unit.lastOutcome = p.outcome;
}
