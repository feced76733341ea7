import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StateError, errorMessage } from '../errors.js';
import { migrations } from './migrations.js';

export type Db = Database.Database;

/** Opens (creating if needed) the state database in WAL mode and brings its schema up to date. */
export function openDatabase(file: string, options: { readonly?: boolean } = {}): Db {
  if (options.readonly && !fs.existsSync(file)) {
    throw new StateError(`no state database at ${file}: run \`gaffer run\` first, or pass --state <folder>`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let db: Db;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, timeout: 5000 });
  } catch (error) {
    throw (
      stateFailure(error, file) ??
      new StateError(`cannot open the state database ${file}: ${String(error)}`, undefined, { cause: error })
    );
  }
  try {
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, file);
    } else {
      if (checkVersion(db, file) === 0) {
        throw new StateError(
          `the state database ${file} is not initialized yet (a supervisor may be starting): try again in a moment`,
        );
      }
    }
  } catch (error) {
    db.close();
    if (error instanceof StateError) throw error;
    const known = stateFailure(error, file);
    if (known && !/SQLITE_(CORRUPT|NOTADB)/.test(codeOf(error) ?? '')) throw known;
    // A corrupt or foreign file is the user's to fix, not a gaffer bug.
    throw new StateError(
      `cannot use the state database ${file}: ${errorMessage(error)}. Move it aside (gaffer starts a new one) or pass --state <folder>`,
      undefined,
      { cause: error },
    );
  }
  return db;
}

function checkVersion(db: Db, file: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new StateError(
      `the state database ${file} has schema version ${version}, newer than this gaffer knows (${migrations.length}): upgrade gaffer`,
    );
  }
  return version;
}

function migrate(db: Db, file: string): void {
  const version = checkVersion(db, file);
  for (let index = version; index < migrations.length; index += 1) {
    db.transaction(() => {
      db.exec(migrations[index] ?? '');
      db.pragma(`user_version = ${index + 1}`);
    })();
  }
}

/** Prepares each SQL text once: statements are reused on every call of the hot paths. */
export function statementCache(db: Db): (sql: string) => Database.Statement {
  const cache = new Map<string, Database.Statement>();
  return (sql) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The state database failed in a way the user must fix (full disk, read-only
 * folder, the file gone or replaced): a StateError (exit 11) naming the cause
 * and the fix; undefined for anything else. Nothing is lost: what was written
 * stays, and the next start resumes from it.
 */
export function stateFailure(error: unknown, file: string): StateError | undefined {
  if (error instanceof StateError) return error;
  const code = codeOf(error) ?? '';
  const folder = path.dirname(file);
  const cause = `${code ? `${code}: ` : ''}${errorMessage(error)}`;
  const resume = 'then run `gaffer run` again: the run resumes from what was recorded';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') {
    return new StateError(
      `the disk holding ${folder} is full (${cause}): free some space, ${resume}`,
      undefined,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new StateError(
      `the state folder ${folder} cannot be written (${cause}): make it writable or set "stateDir" to a writable folder, ${resume}`,
      undefined,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN' || code === 'EIO') {
    return new StateError(
      `the state database ${file} cannot be read or written (${cause}): check the disk and the folder, ${resume}`,
      undefined,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new StateError(
      `the state database ${file} is damaged (${cause}): move it aside (gaffer starts a new one) or restore it from a backup`,
      undefined,
      { cause: error },
    );
  }
  return undefined;
}
