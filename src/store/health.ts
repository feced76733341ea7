import type { CheckResult } from '../events/types.js';
import type { Statement } from 'better-sqlite3';
import { statementCache, type Db } from './database.js';
import { now } from './runs.js';

export interface SnapshotRow {
  id: number;
  run_id: number;
  round: number | null;
  commit_sha: string;
  checks_key: string;
  label: string;
  passed: number;
  checks_json: string;
  taken_at: string;
}

export interface Snapshot {
  commit: string;
  /** Identifies the set of checks that produced it: snapshots are only comparable within one key. */
  checksKey: string;
  passed: boolean;
  checks: CheckResult[];
}

/** Health snapshots: the parsed result of the configured checks on one commit. */
export class HealthTable {
  private readonly prepare: (sql: string) => Statement;

  constructor(db: Db) {
    this.prepare = statementCache(db);
  }

  insert(runId: number, round: number | null, label: string, snapshot: Snapshot): void {
    this.prepare(
      `INSERT INTO health_snapshots (run_id, round, commit_sha, checks_key, label, passed, checks_json, taken_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      runId,
      round,
      snapshot.commit,
      snapshot.checksKey,
      label,
      snapshot.passed ? 1 : 0,
      JSON.stringify(snapshot.checks),
      now(),
    );
  }

  /** The latest snapshot of a commit, so a commit is never verified twice for the same purpose. */
  forCommit(commit: string, checksKey: string): Snapshot | undefined {
    const row = this.prepare(
      'SELECT * FROM health_snapshots WHERE commit_sha = ? AND checks_key = ? ORDER BY id DESC LIMIT 1',
    ).get(commit, checksKey) as SnapshotRow | undefined;
    return row && toSnapshot(row);
  }

  latest(runId: number): (Snapshot & { label: string; round: number | null; takenAt: string }) | undefined {
    const row = this.prepare('SELECT * FROM health_snapshots WHERE run_id = ? ORDER BY id DESC LIMIT 1').get(
      runId,
    ) as SnapshotRow | undefined;
    return row && { ...toSnapshot(row), label: row.label, round: row.round, takenAt: row.taken_at };
  }

  /**
   * The newest snapshot of the working branch: the run's baseline, a round's
   * end, or a merge target (stored as 'baseline'); never a candidate's.
   */
  latestOfWorking(runId: number): StoredSnapshot | undefined {
    const row = this.prepare(
      `SELECT * FROM health_snapshots WHERE run_id = ? AND label IN ('baseline', 'round') ORDER BY id DESC LIMIT 1`,
    ).get(runId) as SnapshotRow | undefined;
    return row && toStoredSnapshot(row);
  }

  /** The run's first baseline: the working branch before any of its units landed. */
  firstBaseline(runId: number): StoredSnapshot | undefined {
    const row = this.prepare(
      `SELECT * FROM health_snapshots WHERE run_id = ? AND label = 'baseline' ORDER BY id LIMIT 1`,
    ).get(runId) as SnapshotRow | undefined;
    return row && toStoredSnapshot(row);
  }

  /** The run's newest `limit` snapshots, oldest first (a long run takes thousands, each holding every test name). */
  recentForRun(runId: number, limit: number): SnapshotRow[] {
    return this.prepare(
      'SELECT * FROM (SELECT * FROM health_snapshots WHERE run_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id',
    ).all(runId, limit) as SnapshotRow[];
  }

  forRun(runId: number): SnapshotRow[] {
    return this.prepare('SELECT * FROM health_snapshots WHERE run_id = ? ORDER BY id').all(
      runId,
    ) as SnapshotRow[];
  }
}

/** A snapshot as stored for a run: what it is of (label, round) and when it was taken. */
export type StoredSnapshot = Snapshot & { id: number; label: string; round: number | null; takenAt: string };

function toStoredSnapshot(row: SnapshotRow): StoredSnapshot {
  return { ...toSnapshot(row), id: row.id, label: row.label, round: row.round, takenAt: row.taken_at };
}

function toSnapshot(row: SnapshotRow): Snapshot {
  return {
    commit: row.commit_sha,
    checksKey: row.checks_key,
    passed: row.passed === 1,
    checks: JSON.parse(row.checks_json) as CheckResult[],
  };
}
