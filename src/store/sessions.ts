import type { Statement } from 'better-sqlite3';
import { statementCache, type Db } from './database.js';
import { now } from './runs.js';

/**
 * The supervisor processes that used this state folder, by the session id
 * their children's process marks carry. A supervisor removes its own row when
 * it ends; a row left behind belongs to one that was killed.
 */
export class SessionsTable {
  private readonly prepare: (sql: string) => Statement;

  constructor(db: Db) {
    this.prepare = statementCache(db);
  }

  add(session: string, pid: number): void {
    this.prepare(
      'INSERT OR REPLACE INTO supervisor_sessions (session, pid, started_at) VALUES (?, ?, ?)',
    ).run(session, pid, now());
  }

  remove(session: string): void {
    this.prepare('DELETE FROM supervisor_sessions WHERE session = ?').run(session);
  }

  all(): { session: string; pid: number }[] {
    return this.prepare('SELECT session, pid FROM supervisor_sessions').all() as {
      session: string;
      pid: number;
    }[];
  }
}
