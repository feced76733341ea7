import { AttemptsTable } from './attempts.js';
import { BranchTipsTable } from './branch-tips.js';
import { SessionsTable } from './sessions.js';
import fs from 'node:fs';
import { StateError } from '../errors.js';
import { openDatabase, type Db } from './database.js';
import { EventLogTable } from './event-log.js';
import { HealthTable } from './health.js';
import { MergesTable } from './merges.js';
import { OverlapsTable, ProposalsTable } from './proposals.js';
import { RunsTable } from './runs.js';
import { UnitsTable } from './units.js';

/** The state database: one handle, one table family per property. */
export class Store {
  readonly runs: RunsTable;
  readonly units: UnitsTable;
  readonly attempts: AttemptsTable;
  readonly merges: MergesTable;
  readonly health: HealthTable;
  readonly events: EventLogTable;
  readonly branchTips: BranchTipsTable;
  readonly sessions: SessionsTable;
  readonly proposals: ProposalsTable;
  readonly overlaps: OverlapsTable;

  private readonly identity: { dev: number; ino: number } | undefined;

  private constructor(
    readonly db: Db,
    readonly file: string,
  ) {
    this.identity = fileIdentity(file);
    this.runs = new RunsTable(db);
    this.units = new UnitsTable(db);
    this.attempts = new AttemptsTable(db);
    this.merges = new MergesTable(db);
    this.health = new HealthTable(db);
    this.events = new EventLogTable(db);
    this.branchTips = new BranchTipsTable(db);
    this.sessions = new SessionsTable(db);
    this.proposals = new ProposalsTable(db);
    this.overlaps = new OverlapsTable(db);
  }

  static open(file: string, options: { readonly?: boolean } = {}): Store {
    return new Store(openDatabase(file, options), file);
  }

  /**
   * Throws a StateError when the database file is no longer the one opened:
   * deleted or replaced while gaffer ran (SQLite would go on writing into a
   * file nobody can open again, and the run's record would be lost).
   */
  assertIntact(): void {
    if (this.identity === undefined) return;
    const now = fileIdentity(this.file);
    if (now?.dev === this.identity.dev && now.ino === this.identity.ino) return;
    throw new StateError(
      `the state database ${this.file} was ${now === undefined ? 'deleted' : 'replaced by another file'} while gaffer ran: gaffer stopped at once and recorded nothing more. Restore the file to resume this run, or run \`gaffer run\` again to start a new one`,
    );
  }

  /** Runs `work` as one transaction: all of it is written, or none of it. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function fileIdentity(file: string): { dev: number; ino: number } | undefined {
  try {
    const stat = fs.statSync(file);
    return { dev: stat.dev, ino: stat.ino };
  } catch {
    return undefined;
  }
}
