import type { HandoffState } from '../events/types.js';
import type { AgentFailureKind, Usage } from '../workers/agents/types.js';
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
  /** The agent tool's session id, when it printed one: a warm retry resumes it. */
  session_id: string | null;
  /** warm: resumed the previous attempt's session; cold: a fresh session. */
  start_mode: StartMode;
  /** Why it started warm or cold, in words. */
  start_reason: string;
  /** The class of the agent's failure, when the tool reported one (see AgentFailureKind). */
  failure_kind: AgentFailureKind | null;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  /** What the tool said it cost in US dollars; null when it did not say. */
  cost_usd: number | null;
}

export type StartMode = 'warm' | 'cold';

/** What `gaffer status` shows of an attempt: a third of the row's columns. */
export type AttemptSummary = Pick<
  AttemptRow,
  | 'id'
  | 'unit_id'
  | 'number'
  | 'round'
  | 'outcome'
  | 'exit_code'
  | 'commits'
  | 'handoff'
  | 'reason'
  | 'log_path'
  | 'input_tokens'
  | 'output_tokens'
  | 'cached_tokens'
  | 'cost_usd'
>;

/** What attempts used, summed; `costUsd` is null when none of them reported a cost. */
export interface Spend {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costUsd: number | null;
}

const SPEND_COLUMNS = `COALESCE(SUM(input_tokens), 0) AS inputTokens, COALESCE(SUM(output_tokens), 0) AS outputTokens,
  COALESCE(SUM(cached_tokens), 0) AS cachedTokens, SUM(cost_usd) AS costUsd`;

export interface AttemptEnd {
  outcome: AttemptOutcome;
  head?: string | null;
  exitCode: number | null;
  signal: string | null;
  handoff: HandoffState;
  handoffJson: string | null;
  commits: number;
  reason: string;
  sessionId?: string | null;
  usage?: Usage | null;
  failureKind?: AgentFailureKind | null;
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
    startMode?: StartMode;
    startReason?: string;
  }): number {
    const result = this.prepare(
      `INSERT INTO attempts (run_id, unit_id, number, round, branch, worktree, base_commit, log_path, outcome, started_at,
         start_mode, start_reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)`,
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
      attempt.startMode ?? 'cold',
      attempt.startReason ?? '',
    );
    return Number(result.lastInsertRowid);
  }

  /** The attempt's one ending: from running, by compare and swap (it throws if it already ended). */
  end(id: number, end: AttemptEnd): void {
    assertAttemptTransition(id, 'running', end.outcome);
    const result = this.prepare(
      `UPDATE attempts SET outcome = ?, head_commit = ?, exit_code = ?, signal = ?, handoff = ?, handoff_json = ?, commits = ?,
         reason = ?, ended_at = ?, session_id = ?, failure_kind = ?, input_tokens = ?, output_tokens = ?, cached_tokens = ?,
         cost_usd = ? WHERE id = ? AND outcome = 'running'`,
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
      end.sessionId ?? null,
      end.failureKind ?? null,
      end.usage?.inputTokens ?? 0,
      end.usage?.outputTokens ?? 0,
      end.usage?.cachedTokens ?? 0,
      end.usage?.costUsd ?? null,
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

  /** Attempt `number` of a unit in a run. */
  find(runId: number, unitId: string, number: number): AttemptRow | undefined {
    return this.prepare(
      'SELECT * FROM attempts WHERE run_id = ? AND unit_id = ? AND number = ? ORDER BY id DESC LIMIT 1',
    ).get(runId, unitId, number) as AttemptRow | undefined;
  }

  /** A unit's newest attempt in a run. */
  latest(runId: number, unitId: string): AttemptRow | undefined {
    return this.prepare(
      'SELECT * FROM attempts WHERE run_id = ? AND unit_id = ? ORDER BY id DESC LIMIT 1',
    ).get(runId, unitId) as AttemptRow | undefined;
  }

  /**
   * A unit's attempt with the highest number in a run (the later row of two
   * with the same number): the one its next attempt follows. One row, so the
   * launch of each attempt does not read every attempt of the run.
   */
  highestNumbered(runId: number, unitId: string): AttemptRow | undefined {
    return this.prepare(
      'SELECT * FROM attempts WHERE run_id = ? AND unit_id = ? ORDER BY number DESC, id DESC LIMIT 1',
    ).get(runId, unitId) as AttemptRow | undefined;
  }

  /** The attempt whose branch this is (names carry the run, unit and attempt number: at most one). */
  byBranch(branch: string): AttemptRow | undefined {
    return this.prepare('SELECT * FROM attempts WHERE branch = ? ORDER BY id DESC LIMIT 1').get(branch) as
      AttemptRow | undefined;
  }

  forRun(runId: number): AttemptRow[] {
    return this.prepare('SELECT * FROM attempts WHERE run_id = ? ORDER BY id').all(runId) as AttemptRow[];
  }

  /**
   * The run's attempts as status shows them, oldest first. The columns are
   * named: better-sqlite3 pays per value, and SELECT * of 30,000 attempts cost
   * four times as much.
   */
  summariesForRun(runId: number): AttemptSummary[] {
    return this.prepare(
      `SELECT id, unit_id, number, round, outcome, exit_code, commits, handoff, reason, log_path,
         input_tokens, output_tokens, cached_tokens, cost_usd FROM attempts WHERE run_id = ? ORDER BY id`,
    ).all(runId) as AttemptSummary[];
  }

  /** What the run's attempts used (ended ones: a running attempt's usage is written when it ends). */
  runSpend(runId: number): Spend {
    return this.prepare(`SELECT ${SPEND_COLUMNS} FROM attempts WHERE run_id = ?`).get(runId) as Spend;
  }

  /** What one unit's attempts in the run used. */
  unitSpend(runId: number, unitId: string): Spend {
    return this.prepare(`SELECT ${SPEND_COLUMNS} FROM attempts WHERE run_id = ? AND unit_id = ?`).get(
      runId,
      unitId,
    ) as Spend;
  }

  /** What each unit's attempts in the run used, by unit id (units without attempts are absent). */
  spendByUnit(runId: number): Map<string, Spend> {
    const rows = this.prepare(
      `SELECT unit_id AS unitId, ${SPEND_COLUMNS} FROM attempts WHERE run_id = ? GROUP BY unit_id`,
    ).all(runId) as (Spend & { unitId: string })[];
    return new Map(rows.map(({ unitId, ...spend }) => [unitId, spend]));
  }

  running(runId: number): AttemptRow[] {
    return this.prepare(`SELECT * FROM attempts WHERE run_id = ? AND outcome = 'running' ORDER BY id`).all(
      runId,
    ) as AttemptRow[];
  }
}
