import type { Statement } from 'better-sqlite3';
import { statementCache, type Db } from './database.js';
import { now } from './runs.js';

export type BranchRole = 'working' | 'green';

/**
 * intended: gaffer is about to move the branch there (written before the ref
 * update, so a crash in between is recognized as gaffer's own move);
 * written: the branch is there by gaffer's hand; void: an intent that never
 * happened (the ref update failed or the supervisor died before it).
 */
export type TipState = 'intended' | 'written' | 'void';

export interface BranchTipRow {
  id: number;
  run_id: number | null;
  branch: string;
  role: BranchRole;
  sha: string;
  state: TipState;
  reason: string;
  at: string;
}

/** The record of every tip gaffer gave the working and green branches. */
export class BranchTipsTable {
  private readonly prepare: (sql: string) => Statement;

  constructor(db: Db) {
    this.prepare = statementCache(db);
  }

  add(row: {
    runId: number | null;
    branch: string;
    role: BranchRole;
    sha: string;
    state: TipState;
    reason: string;
  }): number {
    const result = this.prepare(
      'INSERT INTO branch_tips (run_id, branch, role, sha, state, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(row.runId, row.branch, row.role, row.sha, row.state, row.reason, now());
    return Number(result.lastInsertRowid);
  }

  setState(id: number, state: TipState): void {
    this.prepare('UPDATE branch_tips SET state = ? WHERE id = ?').run(state, id);
  }

  /** The newest row of the branch that is not void: where gaffer last put it, or meant to. */
  latest(branch: string): BranchTipRow | undefined {
    return this.prepare(
      "SELECT * FROM branch_tips WHERE branch = ? AND state != 'void' ORDER BY id DESC LIMIT 1",
    ).get(branch) as BranchTipRow | undefined;
  }

  /** The newest tip gaffer wrote (not merely intended). */
  lastWritten(branch: string): BranchTipRow | undefined {
    return this.prepare(
      "SELECT * FROM branch_tips WHERE branch = ? AND state = 'written' ORDER BY id DESC LIMIT 1",
    ).get(branch) as BranchTipRow | undefined;
  }

  /** True if gaffer ever wrote (or meant to write) this commit to the branch. */
  everHeld(branch: string, sha: string): boolean {
    return (
      this.prepare("SELECT 1 FROM branch_tips WHERE branch = ? AND sha = ? AND state != 'void' LIMIT 1").get(
        branch,
        sha,
      ) !== undefined
    );
  }

  /** Every branch and tip gaffer ever wrote or meant to (for checks made before a supervisor starts). */
  held(): { branch: string; sha: string }[] {
    return this.prepare("SELECT DISTINCT branch, sha FROM branch_tips WHERE state != 'void'").all() as {
      branch: string;
      sha: string;
    }[];
  }
}
