import { assertRunTransition, type RunStatus } from '../machines/run.js';
import type { Statement } from 'better-sqlite3';
import { statementCache, type Db } from './database.js';

export interface RunRow {
  id: number;
  plan_name: string;
  plan_hash: string;
  repo: string;
  config_json: string;
  status: RunStatus;
  reason: string;
  max_rounds: number;
  started_at: string;
  ended_at: string | null;
}

export interface RoundRow {
  run_id: number;
  number: number;
  started_at: string;
  ended_at: string | null;
}

/** Runs (one supervisor session over a plan, resumable) and their rounds. */
export class RunsTable {
  private readonly prepare: (sql: string) => Statement;

  constructor(db: Db) {
    this.prepare = statementCache(db);
  }

  create(run: {
    planName: string;
    planHash: string;
    repo: string;
    configJson: string;
    maxRounds: number;
  }): number {
    const result = this.prepare(
      `INSERT INTO runs (plan_name, plan_hash, repo, config_json, status, max_rounds, started_at)
         VALUES (?, ?, ?, ?, 'running', ?, ?)`,
    ).run(run.planName, run.planHash, run.repo, run.configJson, run.maxRounds, now());
    return Number(result.lastInsertRowid);
  }

  get(id: number): RunRow | undefined {
    return this.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  }

  latest(): RunRow | undefined {
    return this.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT 1').get() as RunRow | undefined;
  }

  /**
   * The one write of a run's status: a legal move of its state machine, by
   * compare and swap (it throws if the run is no longer `from`).
   */
  move(id: number, from: RunStatus, to: RunStatus, reason: string): void {
    assertRunTransition(id, from, to);
    const ended = to === 'running' ? null : now();
    const result = this.prepare(
      'UPDATE runs SET status = ?, reason = ?, ended_at = ? WHERE id = ? AND status = ?',
    ).run(to, reason, ended, id, from);
    if (result.changes === 0) throw new Error(`run #${id} is no longer ${from}: it cannot move to ${to}`);
  }

  /** The plan file was edited while the run went on: a later start of the edited file resumes this run. */
  setPlanHash(id: number, planHash: string): void {
    this.prepare('UPDATE runs SET plan_hash = ? WHERE id = ?').run(planHash, id);
  }

  setMaxRounds(id: number, maxRounds: number): void {
    this.prepare('UPDATE runs SET max_rounds = ? WHERE id = ?').run(maxRounds, id);
  }

  startRound(runId: number, number: number): void {
    this.prepare('INSERT INTO rounds (run_id, number, started_at) VALUES (?, ?, ?)').run(
      runId,
      number,
      now(),
    );
  }

  endRound(runId: number, number: number): void {
    this.prepare('UPDATE rounds SET ended_at = ? WHERE run_id = ? AND number = ?').run(now(), runId, number);
  }

  rounds(runId: number): RoundRow[] {
    return this.prepare('SELECT * FROM rounds WHERE run_id = ? ORDER BY number').all(runId) as RoundRow[];
  }
}

export function now(): string {
  return new Date().toISOString();
}
