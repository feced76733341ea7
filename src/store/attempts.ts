import type { HandoffState } from '../events/types.js';
import { assertAttemptTransition, type AttemptOutcome } from '../machines/attempt.js';
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
  /** The pid's boot and start time (see processIdentity): a reused pid has another. */
  pid_identity: string | null;
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

  /** The attempt's one ending: from running, by compare and swap (it throws if it already ended). */
  end(id: number, end: AttemptEnd): void {
    assertAttemptTransition(id, 'running', end.outcome);
    const result = this.prepare(
      `UPDATE attempts SET outcome = ?, head_commit = ?, exit_code = ?, signal = ?, handoff = ?, handoff_json = ?, commits = ?,
         reason = ?, ended_at = ? WHERE id = ? AND outcome = 'running'`,
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
    if (result.changes === 0)
      throw new Error(`attempt ${id} has already ended: it cannot end again as ${end.outcome}`);
  }

  setPid(id: number, pid: number, identity: string | null): void {
    this.prepare('UPDATE attempts SET pid = ?, pid_identity = ? WHERE id = ?').run(pid, identity, id);
  }

  get(id: number): AttemptRow | undefined {
    return this.prepare('SELECT * FROM attempts WHERE id = ?').get(id) as AttemptRow | undefined;
  }

  /** The attempt whose branch this is (names carry the run, unit and attempt number: at most one). */
  byBranch(branch: string): AttemptRow | undefined {
    return this.prepare('SELECT * FROM attempts WHERE branch = ? ORDER BY id DESC LIMIT 1').get(branch) as
      AttemptRow | undefined;
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
