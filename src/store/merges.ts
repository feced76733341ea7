import type { RejectClass } from '../events/types.js';
import { assertMergeTransition, type MergeStatus } from '../machines/merge.js';
import type { Statement } from 'better-sqlite3';
import { statementCache, type Db } from './database.js';
import { now } from './runs.js';

export interface MergeRow {
  id: number;
  run_id: number;
  unit_id: string;
  attempt_id: number;
  branch: string;
  status: MergeStatus;
  reject_class: RejectClass | null;
  detail: string;
  target_before: string | null;
  candidate: string | null;
  merged_commit: string | null;
  created_at: string;
  updated_at: string;
}

/** What `gaffer status` shows of a merge request. */
export type MergeSummary = Pick<
  MergeRow,
  'id' | 'unit_id' | 'attempt_id' | 'status' | 'reject_class' | 'detail' | 'candidate' | 'merged_commit'
>;

/** What may change of a request besides its status. */
export type MergeChanges = Partial<
  Pick<MergeRow, 'reject_class' | 'detail' | 'target_before' | 'candidate' | 'merged_commit'>
>;

/** The merge queue's requests, in arrival order. */
export class MergesTable {
  private readonly prepare: (sql: string) => Statement;

  constructor(db: Db) {
    this.prepare = statementCache(db);
  }

  enqueue(request: { runId: number; unitId: string; attemptId: number; branch: string }): number {
    const stamp = now();
    const result = this.prepare(
      `INSERT INTO merge_requests (run_id, unit_id, attempt_id, branch, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'queued', ?, ?)`,
    ).run(request.runId, request.unitId, request.attemptId, request.branch, stamp, stamp);
    return Number(result.lastInsertRowid);
  }

  /**
   * The one write of a request's status: a legal move of its state machine,
   * by compare and swap (it throws if the request is no longer `from`).
   */
  move(id: number, from: MergeStatus, to: MergeStatus, changes: MergeChanges = {}): void {
    assertMergeTransition(id, from, to);
    const changed = this.write(id, { ...changes, status: to }, from);
    if (changed === 0) throw new Error(`merge request ${id} is no longer ${from}: it cannot move to ${to}`);
  }

  private write(id: number, changes: MergeChanges & { status: MergeStatus }, from: MergeStatus): number {
    const keys = Object.keys(changes) as (keyof typeof changes)[];
    const assignments = keys.map((key) => `${key} = @${key}`).join(', ');
    return this.prepare(
      `UPDATE merge_requests SET ${assignments}, updated_at = @updated_at WHERE id = @id AND status = @from`,
    ).run({ ...changes, updated_at: now(), id, from }).changes;
  }

  get(id: number): MergeRow | undefined {
    return this.prepare('SELECT * FROM merge_requests WHERE id = ?').get(id) as MergeRow | undefined;
  }

  /** The requests made of one attempt's branch (a restart may re-queue, never duplicate: at most one). */
  forAttempt(attemptId: number): MergeRow[] {
    return this.prepare('SELECT * FROM merge_requests WHERE attempt_id = ? ORDER BY id').all(
      attemptId,
    ) as MergeRow[];
  }

  /**
   * Merges of the same unit (same id, same spec) by earlier runs, newest
   * first, with the range of commits each one brought.
   */
  mergedEarlier(
    unitId: string,
    specJson: string,
    beforeRun: number,
  ): (MergeRow & { base_commit: string; head_commit: string | null })[] {
    return this.prepare(
      `SELECT m.*, a.base_commit AS base_commit, a.head_commit AS head_commit
         FROM merge_requests m
         JOIN attempts a ON a.id = m.attempt_id
         JOIN units u ON u.run_id = m.run_id AND u.id = m.unit_id
        WHERE m.status = 'merged' AND m.unit_id = ? AND u.spec_json = ? AND m.run_id < ?
        ORDER BY m.id DESC`,
    ).all(unitId, specJson, beforeRun) as (MergeRow & { base_commit: string; head_commit: string | null })[];
  }

  /**
   * The run's requests of these units, oldest first: what a few footprints
   * need, not the whole run. Reached through the units' attempts (indexed by
   * run and unit, and requests by attempt), so the cost follows the units
   * asked for, not the run's size.
   */
  forUnits(runId: number, unitIds: readonly string[]): MergeRow[] {
    return this.prepare(
      `SELECT m.* FROM attempts a CROSS JOIN merge_requests m ON m.attempt_id = a.id
        WHERE a.run_id = ? AND a.unit_id IN (SELECT value FROM json_each(?))
          AND m.run_id = a.run_id AND m.unit_id = a.unit_id
        ORDER BY m.id`,
    ).all(runId, JSON.stringify(unitIds)) as MergeRow[];
  }

  /**
   * The handoff (JSON) of a unit's merged attempt, in this run or (a unit
   * found already merged) an earlier one, the latest; null when there is none.
   */
  mergedHandoffJson(unitId: string, runId: number): string | null {
    const found = this.prepare(
      `SELECT a.handoff_json AS handoff_json FROM merge_requests m JOIN attempts a ON a.id = m.attempt_id
        WHERE m.unit_id = ? AND m.status = 'merged' AND m.run_id <= ? ORDER BY m.run_id DESC, m.id DESC LIMIT 1`,
    ).get(unitId, runId) as { handoff_json: string | null } | undefined;
    return found?.handoff_json ?? null;
  }

  /** How many of the run's requests are merged: changes only when one lands. */
  mergedCount(runId: number): number {
    const row = this.prepare(
      "SELECT count(*) AS merged FROM merge_requests WHERE run_id = ? AND status = 'merged'",
    ).get(runId) as { merged: number };
    return row.merged;
  }

  forRun(runId: number): MergeRow[] {
    return this.prepare('SELECT * FROM merge_requests WHERE run_id = ? ORDER BY id').all(runId) as MergeRow[];
  }

  /** The run's requests as status shows them, oldest first. */
  summariesForRun(runId: number): MergeSummary[] {
    return this.prepare(
      `SELECT id, unit_id, attempt_id, status, reject_class, detail, candidate, merged_commit
         FROM merge_requests WHERE run_id = ? ORDER BY id`,
    ).all(runId) as MergeSummary[];
  }

  /**
   * The merges of the run that made any of `commits`, oldest first: one query that finds them by
   * commit (merge_requests_by_commit) instead of reading every merged request of the run. `+m.id`
   * keeps the planner off the run's requests in id order (it chose them for the ORDER BY, 30 ms at
   * 10,000 units against 0.2 ms): the few found are sorted instead.
   */
  makersOf(
    runId: number,
    commits: readonly string[],
  ): { commit: string; unitId: string; round: number | null }[] {
    return this.prepare(
      `SELECT m.merged_commit AS "commit", m.unit_id AS unitId, a.round AS round
         FROM merge_requests m LEFT JOIN attempts a ON a.id = m.attempt_id
        WHERE m.merged_commit IN (SELECT value FROM json_each(?)) AND m.run_id = ? AND m.status = 'merged'
        ORDER BY +m.id`,
    ).all(JSON.stringify(commits), runId) as { commit: string; unitId: string; round: number | null }[];
  }

  /** Requests not yet merged or rejected, oldest first: the queue to resume after a restart. */
  open(runId: number): MergeRow[] {
    return this.prepare(
      `SELECT * FROM merge_requests WHERE run_id = ? AND status NOT IN ('merged', 'rejected') ORDER BY id`,
    ).all(runId) as MergeRow[];
  }
}
