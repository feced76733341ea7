import { AttemptsTable } from './attempts.js';
import { openDatabase, type Db } from './database.js';
import { EventLogTable } from './event-log.js';
import { HealthTable } from './health.js';
import { MergesTable } from './merges.js';
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

  private constructor(readonly db: Db) {
    this.runs = new RunsTable(db);
    this.units = new UnitsTable(db);
    this.attempts = new AttemptsTable(db);
    this.merges = new MergesTable(db);
    this.health = new HealthTable(db);
    this.events = new EventLogTable(db);
  }

  static open(file: string, options: { readonly?: boolean } = {}): Store {
    return new Store(openDatabase(file, options));
  }

  /** Runs `work` as one transaction: all of it is written, or none of it. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
