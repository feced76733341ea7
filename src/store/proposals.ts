import type { Statement } from 'better-sqlite3';
import type { ProposalDecision, ProposalSource, ProposalStatus } from '../events/types.js';
import { statementCache, type Db } from './database.js';
import { now } from './runs.js';

export interface ProposalRow {
  id: number;
  run_id: number;
  unit_id: string;
  title: string;
  prompt: string;
  depends_on_json: string;
  files_json: string;
  keys_json: string;
  source: ProposalSource;
  discovered_from: string;
  status: ProposalStatus;
  reason: string;
  round: number | null;
  created_at: string;
  decided_at: string | null;
}

export interface NewProposal {
  unitId: string;
  title: string;
  prompt: string;
  dependsOn: readonly string[];
  files: readonly string[];
  keys: readonly string[];
  source: ProposalSource;
  discoveredFrom: string;
  round: number | null;
}

/** Units discovery found: each waits for the operator (or joins at once), and keeps where it came from. */
export class ProposalsTable {
  private readonly prepare: (sql: string) => Statement;

  constructor(db: Db) {
    this.prepare = statementCache(db);
  }

  insert(runId: number, proposal: NewProposal, status: ProposalStatus = 'proposed', reason = ''): number {
    return Number(
      this.prepare(
        `INSERT INTO proposals (run_id, unit_id, title, prompt, depends_on_json, files_json, keys_json, source,
           discovered_from, status, reason, round, created_at, decided_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        runId,
        proposal.unitId,
        proposal.title,
        proposal.prompt,
        JSON.stringify(proposal.dependsOn),
        JSON.stringify(proposal.files),
        JSON.stringify(proposal.keys),
        proposal.source,
        proposal.discoveredFrom,
        status,
        reason,
        proposal.round,
        now(),
        status === 'proposed' ? null : now(),
      ).lastInsertRowid,
    );
  }

  get(runId: number, id: number): ProposalRow | undefined {
    return this.prepare('SELECT * FROM proposals WHERE run_id = ? AND id = ?').get(runId, id) as
      ProposalRow | undefined;
  }

  all(runId: number): ProposalRow[] {
    return this.prepare('SELECT * FROM proposals WHERE run_id = ? ORDER BY id').all(runId) as ProposalRow[];
  }

  /** Proposals still waiting for a decision, oldest first. */
  open(runId: number): ProposalRow[] {
    return this.prepare("SELECT * FROM proposals WHERE run_id = ? AND status = 'proposed' ORDER BY id").all(
      runId,
    ) as ProposalRow[];
  }

  /** Decides a waiting proposal, by compare and swap: false when it was already decided. */
  decide(runId: number, id: number, decision: ProposalDecision, reason: string): boolean {
    return (
      this.prepare(
        "UPDATE proposals SET status = ?, reason = ?, decided_at = ? WHERE run_id = ? AND id = ? AND status = 'proposed'",
      ).run(decision, reason, now(), runId, id).changes === 1
    );
  }

  /** Proposals of a round that count against the cap: every one put to a decision, fixups aside. */
  takenInRound(runId: number, round: number | null): number {
    const row = this.prepare(
      `SELECT COUNT(*) AS n FROM proposals WHERE run_id = ? AND round IS ? AND source != 'fixup'
         AND status IN ('proposed', 'accepted', 'rejected')`,
    ).get(runId, round) as { n: number };
    return row.n;
  }
}

export interface OverlapRow {
  id: number;
  run_id: number;
  unit_id: string;
  other_id: string;
  files_json: string;
  reason: string;
  at: string;
}

/** Overlap edges: a ready unit held back while another that touches the same files ran. Never a dependency. */
export class OverlapsTable {
  private readonly prepare: (sql: string) => Statement;

  constructor(db: Db) {
    this.prepare = statementCache(db);
  }

  insert(
    runId: number,
    edge: { unitId: string; otherId: string; files: readonly string[]; reason: string },
  ): void {
    this.prepare(
      'INSERT INTO overlaps (run_id, unit_id, other_id, files_json, reason, at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(runId, edge.unitId, edge.otherId, JSON.stringify(edge.files), edge.reason, now());
  }

  all(runId: number): OverlapRow[] {
    return this.prepare('SELECT * FROM overlaps WHERE run_id = ? ORDER BY id').all(runId) as OverlapRow[];
  }
}
