import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, ExitCode, StateError, errorMessage } from './errors.js';
import { tryGit } from './git/git.js';
import { processAlive } from './workers/process-group.js';

export { databasePath } from './state-db-path.js';

/** Where a run's logs go: one file per attempt, and checks/ for the check runs. */
export function logDirFor(stateDir: string, runId: number): string {
  return path.join(stateDir, 'logs', `run-${runId}`);
}

/** The file that says a folder is gaffer's state folder (format version, creation time). */
export const STATE_MARKER = '.gaffer-state';
const STATE_MARKER_FORMAT = 1;

/** What gaffer itself puts in a state folder; anything else there is someone else's. */
const GAFFER_FILES = new Set([
  STATE_MARKER,
  'state.db',
  'state.db-wal',
  'state.db-shm',
  // SQLite's rollback journal, left by a crash before the database switched to WAL.
  'state.db-journal',
  'supervisor.lock',
]);
// worktrees/ is where earlier versions kept attempt checkouts; index/ holds the workspaces' git index copies;
// planning/ holds the throwaway checkouts of planner and discovery queries.
const GAFFER_FOLDERS = new Set([
  'logs',
  'worktrees',
  'merge',
  'prompts',
  'workspaces',
  'verify',
  'index',
  'planning',
]);

/**
 * Makes sure the state folder is one gaffer may write in and delete from,
 * before anything is written: gaffer removes worktrees, merge folders and
 * logs in it, so a folder holding the user's files (the repository itself,
 * an ancestor of it, tracked files, anything gaffer did not make) is refused.
 * A new folder is created with the marker; an existing one without it is
 * adopted only when it holds nothing but gaffer's own entries, as a state
 * folder of an earlier gaffer does: SupervisorLock.acquire writes its marker
 * once the lock is held, so a folder another gaffer is using is never written
 * to. `repo` is undefined when only the folder is known (`--state`).
 *
 * Throws ConfigError (3) for a stateDir that is or contains the repository,
 * StateError (11) for everything else, each naming the cause and the fix.
 */
export function prepareStateDir(repo: string | undefined, stateDir: string): void {
  const dir = path.resolve(stateDir);
  if (repo !== undefined) {
    // Compare real paths: /tmp may be a symlink and git reports the resolved repository.
    const root = realPathOf(path.resolve(repo));
    const real = realPathOf(dir);
    if (real === root) {
      throw new ConfigError(
        `stateDir ${dir} is the repository itself: gaffer deletes and rewrites what is in its state folder (merge/, workspaces/, logs/), so it needs a folder of its own; set "stateDir" in the config to one, like ".gaffer"`,
      );
    }
    if (isInside(real, root)) {
      throw new ConfigError(
        `stateDir ${dir} contains the repository ${root}: gaffer deletes and rewrites what is in its state folder, so it needs a folder of its own; set "stateDir" in the config to one inside or beside the repository, like ".gaffer"`,
      );
    }
  }
  let stats: fs.Stats | undefined;
  try {
    stats = fs.statSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR: a file stands where one of its parent folders should be.
    if (code === 'ENOTDIR') throw stateDirFailure(dir, 'cannot be created', error);
    if (code !== 'ENOENT') throw stateDirFailure(dir, 'cannot be read', error);
  }
  if (stats === undefined) {
    createStateDir(dir);
    return;
  }
  if (!stats.isDirectory()) {
    throw new StateError(
      `the state folder ${dir} is a file, not a folder: gaffer keeps its database and workspaces there; move the file away, or set "stateDir" in the config (or --state) to a folder`,
    );
  }
  const tracked = trackedFilesIn(repo, dir);
  if (tracked.length > 0) {
    throw new StateError(
      `stateDir must be a folder gaffer owns, but ${dir} holds files tracked by git (${listSome(tracked)}): gaffer deletes and rewrites what is in its state folder; set "stateDir" in the config to a new folder, like ".gaffer"`,
    );
  }
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    throw stateDirFailure(dir, 'cannot be read', error);
  }
  const marked = entries.some((entry) => entry.name === STATE_MARKER && entry.isFile());
  if (!marked) {
    const foreign = entries.filter((entry) => !isGaffersEntry(entry));
    if (foreign.length > 0) {
      throw new StateError(
        `stateDir must be a folder gaffer owns, but ${dir} holds entries gaffer did not make (${listSome(foreign.map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name)))}) and no ${STATE_MARKER} marker: gaffer deletes and rewrites what is in its state folder; set "stateDir" in the config (or --state) to a new or empty folder, or move those entries away`,
      );
    }
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    throw stateDirFailure(dir, 'is not writable', error);
  }
}

function createStateDir(dir: string): void {
  try {
    makeFolders(dir);
  } catch (error) {
    throw stateDirFailure(dir, 'cannot be created', error);
  }
  writeMarker(dir);
}

/**
 * `mkdir -p` one folder at a time: Node's recursive mkdirSync reports ENOENT
 * for a read-only filesystem (Node 20), hiding the EROFS the user must act on.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let at = dir; !fs.existsSync(at); at = path.dirname(at)) {
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const folder of missing) {
    try {
      fs.mkdirSync(folder);
    } catch (error) {
      // Someone else made it in between: as good as ours.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

function writeMarker(dir: string): void {
  const marker = {
    format: STATE_MARKER_FORMAT,
    createdAt: new Date().toISOString(),
    note: 'gaffer owns this folder: it deletes and rewrites what is inside',
  };
  try {
    fs.writeFileSync(path.join(dir, STATE_MARKER), `${JSON.stringify(marker, null, 2)}\n`, { flag: 'wx' });
  } catch (error) {
    // Another gaffer wrote it between our look and our write: the folder is marked either way.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw stateDirFailure(dir, 'is not writable', error);
  }
}

function isGaffersEntry(entry: fs.Dirent): boolean {
  if (GAFFER_FILES.has(entry.name)) return entry.isFile();
  if (GAFFER_FOLDERS.has(entry.name)) return entry.isDirectory();
  return false;
}

/**
 * Paths git tracks under `dir`. Asked from the repository when it is known
 * (a path outside it makes git fail: nothing tracked), else from the folder.
 * If git cannot answer (no repository, no git), nothing is tracked there.
 */
function trackedFilesIn(repo: string | undefined, dir: string): string[] {
  try {
    // The real path: git reports paths through a symlink (macOS /tmp) as outside the repository.
    const output = execFileSync('git', ['ls-files', '-z', '--', repo === undefined ? '.' : realPathOf(dir)], {
      cwd: repo ?? dir,
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' },
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    });
    return output.split('\0').filter((file) => file !== '');
  } catch {
    return [];
  }
}

/** The StateError for an operating-system failure on the state folder: its errno and the fix. */
function stateDirFailure(dir: string, what: string, error: unknown): StateError {
  const code = (error as NodeJS.ErrnoException).code;
  const fix =
    code === 'EROFS'
      ? 'it is on a read-only filesystem; remount it writable, or set "stateDir" in the config (or --state) to a folder on a writable one'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied; give your user write access to it, or set "stateDir" in the config (or --state) to a folder you can write'
        : code === 'ENOTDIR' || code === 'EEXIST'
          ? 'a file stands where a folder of its path should be; move it away, or set "stateDir" in the config (or --state) elsewhere'
          : code === 'ENOSPC' || code === 'EDQUOT'
            ? 'the disk is full; free some space, or set "stateDir" in the config (or --state) to a folder on another disk'
            : 'set "stateDir" in the config (or --state) to a folder gaffer can create and write';
  return new StateError(
    `the state folder ${dir} ${what} (${code ?? errorMessage(error)}): ${fix}`,
    ExitCode.state,
    { cause: error },
  );
}

/** The real path of `target`, or of its nearest existing ancestor with the rest appended. */
function realPathOf(target: string): string {
  let existing = target;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(existing), ...rest);
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return target;
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}

/** True when `child` is strictly inside `parent`. */
function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return (
    relative !== '' &&
    !relative.startsWith(`..${path.sep}`) &&
    relative !== '..' &&
    !path.isAbsolute(relative)
  );
}

function listSome(names: readonly string[]): string {
  return `${names.slice(0, 5).join(', ')}${names.length > 5 ? `, and ${names.length - 5} more` : ''}`;
}

/**
 * Keeps the state folder out of git without touching the user's .gitignore
 * (which would itself be an uncommitted change): `.git/info/exclude`.
 */
export async function excludeFromGit(repo: string, stateDir: string): Promise<void> {
  const relative = path.relative(repo, stateDir);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return;
  const common = await tryGit(repo, ['rev-parse', '--git-common-dir']);
  if (common.exitCode !== 0) return;
  const excludeFile = path.resolve(repo, common.stdout.trim(), 'info', 'exclude');
  const pattern = `/${relative.split(path.sep).join('/')}/`;
  const current = fs.existsSync(excludeFile) ? fs.readFileSync(excludeFile, 'utf8') : '';
  if (current.split('\n').includes(pattern)) return;
  fs.mkdirSync(path.dirname(excludeFile), { recursive: true });
  fs.appendFileSync(excludeFile, `${current === '' || current.endsWith('\n') ? '' : '\n'}${pattern}\n`);
}

/**
 * One supervisor per state folder: a lock file holding the owner's pid. A
 * lock whose owner is gone (a crash) is taken over.
 */
export class SupervisorLock {
  private constructor(private readonly file: string) {}

  static acquire(stateDir: string): SupervisorLock {
    const lock = SupervisorLock.take(stateDir);
    // The folder passed prepareStateDir; an adopted one gets its marker now that it is ours.
    if (!fs.existsSync(path.join(stateDir, STATE_MARKER))) {
      try {
        writeMarker(stateDir);
      } catch (error) {
        lock.release();
        throw error;
      }
    }
    return lock;
  }

  private static take(stateDir: string): SupervisorLock {
    try {
      fs.mkdirSync(stateDir, { recursive: true });
    } catch (error) {
      throw stateDirFailure(stateDir, 'cannot be created', error);
    }
    const file = path.join(stateDir, 'supervisor.lock');
    for (let tries = 0; tries < 2; tries += 1) {
      try {
        fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
        return new SupervisorLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
          throw stateDirFailure(stateDir, 'is not writable', error);
        const owner = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
        if (Number.isInteger(owner) && owner !== process.pid && processAlive(owner)) {
          throw new StateError(
            `another gaffer (pid ${owner}) is supervising ${stateDir}: wait for it to finish or stop it; only one supervisor may own a state folder`,
            ExitCode.busy,
          );
        }
        fs.rmSync(file, { force: true });
      }
    }
    throw new StateError(`could not take the lock ${file}: remove it if no gaffer is running`, ExitCode.busy);
  }

  release(): void {
    fs.rmSync(this.file, { force: true });
  }
}
