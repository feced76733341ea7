/**
 * The reads behind `gaffer status`'s overview of a big run: counts by state
 * from SQL and the few rows that need the operator, never every row of the
 * run. Migration 8's indexes answer each from an index (units_by_run_status,
 * merge_requests_by_run_status); a database not yet migrated (status opens it
 * read-only, so it cannot add them) gets the same rows, read more slowly.
 */
import type { Statement } from 'better-sqlite3';
import type { AttemptSummary } from './attempts.js';
import { statementCache, type Db } from './database.js';
import type { MergeSummary } from './merges.js';
import type { OverlapRow, ProposalRow } from './proposals.js';
import type { UnitSummary } from './units.js';

/** How many of a run's merge requests ended (or wait) in a status, and with which rejection class. */
export interface MergeCount {
  status: string;
  reject_class: string | null;
  count: number;
}

export class StatusReads {
  private readonly prepare: (sql: string) => Statement;

  constructor(db: Db) {
    this.prepare = statementCache(db);
  }

  /** How many of the run's units are in each status (statuses with none are absent). */
  unitCounts(runId: number): Map<string, number> {
    const rows = this.prepare(
      'SELECT status, COUNT(*) AS count FROM units WHERE run_id = ? GROUP BY status',
    ).all(runId) as { status: string; count: number }[];
    return new Map(rows.map((row) => [row.status, row.count]));
  }

  /** Pending units that already had an attempt: waiting for another try, not for their first. */
  retryingCount(runId: number): number {
    return (
      this.prepare(
        "SELECT COUNT(*) AS count FROM units WHERE run_id = ? AND status = 'pending' AND attempts > 0",
      ).get(runId) as { count: number }
    ).count;
  }

  /**
   * The first `limit` units in `status`, in plan order (retrying: pending ones
   * that had an attempt). Through units_by_run_status only those rows are read.
   */
  unitsIn(runId: number, status: string, limit: number, retrying = false): UnitSummary[] {
    return this.prepare(
      `SELECT id, title, status, reason, strikes, origin, discovered_from FROM units
        WHERE run_id = ? AND status = ?${retrying ? ' AND attempts > 0' : ''} ORDER BY rowid LIMIT ?`,
    ).all(runId, status, limit) as UnitSummary[];
  }

  /** What one unit depends on, in plan order (unit_deps' primary key). */
  dependenciesOf(runId: number, unitId: string): string[] {
    return (
      this.prepare('SELECT depends_on FROM unit_deps WHERE run_id = ? AND unit_id = ? ORDER BY rowid').all(
        runId,
        unitId,
      ) as { depends_on: string }[]
    ).map((row) => row.depends_on);
  }

  /**
   * One unit's attempts, oldest first. By number, not id (the same order): ORDER BY id led the planner
   * to a run's 30,000 attempts by id; by number the unique index on run, unit and number reads three.
   */
  attemptsOf(runId: number, unitId: string): AttemptSummary[] {
    return this.prepare(
      `SELECT id, unit_id, number, round, outcome, exit_code, commits, handoff, reason, log_path,
         input_tokens, output_tokens, cached_tokens, cost_usd FROM attempts WHERE run_id = ? AND unit_id = ? ORDER BY number`,
    ).all(runId, unitId) as AttemptSummary[];
  }

  /** An attempt's newest merge request, if its work reached the queue. */
  newestMergeOf(attemptId: number): MergeSummary | undefined {
    return this.prepare(
      `SELECT id, unit_id, attempt_id, status, reject_class, detail, candidate, merged_commit
         FROM merge_requests WHERE attempt_id = ? ORDER BY id DESC LIMIT 1`,
    ).get(attemptId) as MergeSummary | undefined;
  }

  attemptCount(runId: number): number {
    return (
      this.prepare('SELECT COUNT(*) AS count FROM attempts WHERE run_id = ?').get(runId) as { count: number }
    ).count;
  }

  /** The run's merge requests counted by status and rejection class. */
  mergeCounts(runId: number): MergeCount[] {
    return this.prepare(
      `SELECT status, reject_class, COUNT(*) AS count FROM merge_requests WHERE run_id = ?
        GROUP BY status, reject_class ORDER BY status, reject_class`,
    ).all(runId) as MergeCount[];
  }

  /**
   * The first `limit` requests still in the queue (neither merged nor rejected), oldest first. `+id`
   * keeps the planner off the run's requests in id order (all 30,000 of them, filtered): the few in
   * the queue come from merge_requests_by_run_status and are sorted.
   */
  openMerges(runId: number, limit: number): MergeSummary[] {
    return this.prepare(
      `SELECT id, unit_id, attempt_id, status, reject_class, detail, candidate, merged_commit FROM merge_requests
        WHERE run_id = ? AND status IN ('queued', 'rebasing', 'verifying') ORDER BY +id LIMIT ?`,
    ).all(runId, limit) as MergeSummary[];
  }

  /** The run's proposals counted by status. */
  proposalCounts(runId: number): Map<string, number> {
    const rows = this.prepare(
      'SELECT status, COUNT(*) AS count FROM proposals WHERE run_id = ? GROUP BY status',
    ).all(runId) as { status: string; count: number }[];
    return new Map(rows.map((row) => [row.status, row.count]));
  }

  /** The first `limit` proposals still waiting for a decision, oldest first. */
  waitingProposals(runId: number, limit: number): ProposalRow[] {
    return this.prepare(
      "SELECT * FROM proposals WHERE run_id = ? AND status = 'proposed' ORDER BY id LIMIT ?",
    ).all(runId, limit) as ProposalRow[];
  }

  overlapCount(runId: number): number {
    return (
      this.prepare('SELECT COUNT(*) AS count FROM overlaps WHERE run_id = ?').get(runId) as { count: number }
    ).count;
  }

  /** The newest `limit` overlap edges, oldest first. */
  recentOverlaps(runId: number, limit: number): OverlapRow[] {
    return this.prepare(
      'SELECT * FROM (SELECT * FROM overlaps WHERE run_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id',
    ).all(runId, limit) as OverlapRow[];
  }
}
