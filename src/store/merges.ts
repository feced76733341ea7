import type { MergeStatus, RejectClass } from '../events/types.js';
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

  update(
    id: number,
    changes: Partial<
      Pick<MergeRow, 'status' | 'reject_class' | 'detail' | 'target_before' | 'candidate' | 'merged_commit'>
    >,
  ): void {
    const keys = Object.keys(changes) as (keyof typeof changes)[];
    const assignments = keys.map((key) => `${key} = @${key}`).join(', ');
    this.prepare(`UPDATE merge_requests SET ${assignments}, updated_at = @updated_at WHERE id = @id`).run({
      ...changes,
      updated_at: now(),
      id,
    });
  }

  get(id: number): MergeRow | undefined {
    return this.prepare('SELECT * FROM merge_requests WHERE id = ?').get(id) as MergeRow | undefined;
  }

  forRun(runId: number): MergeRow[] {
    return this.prepare('SELECT * FROM merge_requests WHERE run_id = ? ORDER BY id').all(runId) as MergeRow[];
  }

  /** Requests not yet merged or rejected, oldest first: the queue to resume after a restart. */
  open(runId: number): MergeRow[] {
    return this.prepare(
      `SELECT * FROM merge_requests WHERE run_id = ? AND status NOT IN ('merged', 'rejected') ORDER BY id`,
    ).all(runId) as MergeRow[];
  }
}
