import type { AttemptOutcome, HandoffState } from '../events/types.js';
import type { Statement } from 'better-sqlite3';
import { statementCache, type Db } from './database.js';
import { now } from './runs.js';

export interface AttemptRow {
  id: number;
  run_id: number;
  unit_id: string;
  number: number;
  round: number;
  branch: string;
  worktree: string;
  base_commit: string;
  /** The branch's tip when the attempt ended: what the merge queue rebases. */
  head_commit: string | null;
  log_path: string;
  pid: number | null;
  outcome: AttemptOutcome;
  exit_code: number | null;
  signal: string | null;
  handoff: HandoffState | null;
  handoff_json: string | null;
  commits: number;
  reason: string;
  started_at: string;
  ended_at: string | null;
}

export interface AttemptEnd {
  outcome: AttemptOutcome;
  head?: string | null;
  exitCode: number | null;
  signal: string | null;
  handoff: HandoffState;
  handoffJson: string | null;
  commits: number;
  reason: string;
}

/** One row per run of an agent on a unit. */
export class AttemptsTable {
  private readonly prepare: (sql: string) => Statement;

  constructor(db: Db) {
    this.prepare = statementCache(db);
  }

  start(attempt: {
    runId: number;
    unitId: string;
    number: number;
    round: number;
    branch: string;
    worktree: string;
    baseCommit: string;
    logPath: string;
  }): number {
    const result = this.prepare(
      `INSERT INTO attempts (run_id, unit_id, number, round, branch, worktree, base_commit, log_path, outcome, started_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?)`,
    ).run(
      attempt.runId,
      attempt.unitId,
      attempt.number,
      attempt.round,
      attempt.branch,
      attempt.worktree,
      attempt.baseCommit,
      attempt.logPath,
      now(),
    );
    return Number(result.lastInsertRowid);
  }

  end(id: number, end: AttemptEnd): void {
    this.prepare(
      `UPDATE attempts SET outcome = ?, head_commit = ?, exit_code = ?, signal = ?, handoff = ?, handoff_json = ?, commits = ?,
         reason = ?, ended_at = ? WHERE id = ?`,
    ).run(
      end.outcome,
      end.head ?? null,
      end.exitCode,
      end.signal,
      end.handoff,
      end.handoffJson,
      end.commits,
      end.reason,
      now(),
      id,
    );
  }

  setPid(id: number, pid: number): void {
    this.prepare('UPDATE attempts SET pid = ? WHERE id = ?').run(pid, id);
  }

  get(id: number): AttemptRow | undefined {
    return this.prepare('SELECT * FROM attempts WHERE id = ?').get(id) as AttemptRow | undefined;
  }

  forRun(runId: number): AttemptRow[] {
    return this.prepare('SELECT * FROM attempts WHERE run_id = ? ORDER BY id').all(runId) as AttemptRow[];
  }

  running(runId: number): AttemptRow[] {
    return this.prepare(`SELECT * FROM attempts WHERE run_id = ? AND outcome = 'running' ORDER BY id`).all(
      runId,
    ) as AttemptRow[];
  }
}
