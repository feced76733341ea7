import type { GafferEvent } from '../events/types.js';
import type { Statement } from 'better-sqlite3';
import { statementCache, type Db } from './database.js';

export interface EventRow {
  seq: number;
  run_id: number | null;
  at: string;
  type: string;
  payload: string;
}

/** The append-only log of every event (triggers in the schema forbid edits). */
export class EventLogTable {
  private readonly prepare: (sql: string) => Statement;

  constructor(db: Db) {
    this.prepare = statementCache(db);
  }

  append(event: GafferEvent): void {
    const payload = event.payload as { runId?: number | null };
    this.prepare('INSERT INTO events (run_id, at, type, payload) VALUES (?, ?, ?, ?)').run(
      payload.runId ?? null,
      event.at,
      event.type,
      JSON.stringify(event.payload),
    );
  }

  forRun(runId: number): EventRow[] {
    return this.prepare('SELECT * FROM events WHERE run_id = ? ORDER BY seq').all(runId) as EventRow[];
  }

  /**
   * A run's events as they were published, oldest first. The types are the
   * log's own (written by append), so each row is taken as the event it was.
   */
  eventsOf(runId: number): GafferEvent[] {
    return this.forRun(runId).map(
      (row) => ({ type: row.type, at: row.at, payload: JSON.parse(row.payload) as unknown }) as GafferEvent,
    );
  }

  /** The newest events of these types in a run, newest first. */
  latestOfTypes(runId: number, types: readonly string[], limit = 1): EventRow[] {
    const marks = types.map(() => '?').join(', ');
    return this.prepare(
      `SELECT * FROM events WHERE run_id = ? AND type IN (${marks}) ORDER BY seq DESC LIMIT ?`,
    ).all(runId, ...types, limit) as EventRow[];
  }
}
