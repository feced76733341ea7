/**
 * Lock files a killed git process left in the user's repository. git takes a
 * lock by creating `<file>.lock` and commits by renaming it over the file; a
 * process killed in between (SIGKILL, the OOM killer, a power cut) leaves the
 * lock, and every later writer of that ref or index fails until someone
 * removes it. gaffer removes one only when no live git process can own it:
 * none has it open and none works in this repository. A lock a live git
 * process may hold is never touched.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface LockSweep {
  /** Lock files removed: nothing alive could have owned them. */
  removed: string[];
  /** Lock files left because a live git process works in the repository (its pids). */
  held: { lock: string; pids: number[] }[];
}

/** The git processes whose working folder is `folder` or inside it. */
export function gitProcessesIn(folder: string): number[] {
  return liveGitProcesses([folder]);
}

/**
 * The live git processes (git and its helpers, `git-*`) that work inside one
 * of `folders`: their working folder is there, or a command-line argument
 * names a path there (`--git-dir=...`).
 */
export function liveGitProcesses(folders: readonly string[]): number[] {
  return pids().filter((pid) => isGitProcessIn(pid, folders));
}

/** Whether `pid` is git (or a `git-*` helper) working in one of `folders` (its cwd, or a path argument). */
function isGitProcessIn(pid: number, folders: readonly string[]): boolean {
  try {
    const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    if (comm !== 'git' && !comm.startsWith('git-')) return false;
    const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const inside = (candidate: string): boolean =>
      folders.some((folder) => candidate === folder || candidate.startsWith(`${folder}/`));
    return inside(cwd) || args.some((arg) => inside(arg.replace(/^--[a-z-]+=/, '')));
  } catch {
    // The process ended while we looked.
    return false;
  }
}

/** Processes that have one of `files` open. */
function openers(files: ReadonlySet<string>): Map<string, number[]> {
  const found = new Map<string, number[]>();
  if (files.size === 0) return found;
  for (const pid of pids()) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (files.has(target)) found.set(target, [...(found.get(target) ?? []), pid]);
      } catch {
        // Closed while we looked.
      }
    }
  }
  return found;
}

function pids(): number[] {
  try {
    return fs
      .readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * Every lock file git may leave in a repository: refs (loose, packed, HEAD),
 * the index, the config, the shallow file, and those of linked worktrees.
 */
export function findLocks(commonDir: string): string[] {
  const locks: string[] = [];
  const top = [
    'HEAD.lock',
    'packed-refs.lock',
    'index.lock',
    'config.lock',
    'shallow.lock',
    'FETCH_HEAD.lock',
  ];
  for (const name of top) {
    const file = path.join(commonDir, name);
    if (fs.existsSync(file)) locks.push(file);
  }
  walk(path.join(commonDir, 'refs'), locks);
  walk(path.join(commonDir, 'logs'), locks);
  let worktrees: fs.Dirent[] = [];
  try {
    worktrees = fs.readdirSync(path.join(commonDir, 'worktrees'), { withFileTypes: true });
  } catch {
    // No linked worktrees.
  }
  for (const entry of worktrees) {
    if (!entry.isDirectory()) continue;
    for (const name of ['HEAD.lock', 'index.lock']) {
      const file = path.join(commonDir, 'worktrees', entry.name, name);
      if (fs.existsSync(file)) locks.push(file);
    }
  }
  return locks;
}

function walk(folder: string, into: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) walk(full, into);
    else if (entry.name.endsWith('.lock')) into.push(full);
  }
}

const WAIT_FOR_GIT_MS = 5000;

/**
 * Removes the lock files nothing alive can own. A git process at work in the
 * repository (`workTree` or `commonDir`) is given a few seconds to finish
 * (it may be one the killed supervisor started, finishing on its own); if it
 * is still there, its repository's locks are left and reported as held.
 */
export async function clearStaleLocks(workTree: string, commonDir: string): Promise<LockSweep> {
  const sweep: LockSweep = { removed: [], held: [] };
  let locks = findLocks(commonDir);
  if (locks.length === 0) return sweep;
  const folders = [workTree, commonDir];
  const deadline = Date.now() + WAIT_FOR_GIT_MS;
  let busy = liveGitProcesses(folders);
  while (busy.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    busy = liveGitProcesses(folders);
  }
  // Those that finished took their own locks with them.
  locks = findLocks(commonDir);
  const open = openers(new Set(locks));
  for (const lock of locks) {
    const pids = [...(open.get(lock) ?? []), ...busy];
    if (pids.length > 0) {
      sweep.held.push({ lock, pids: [...new Set(pids)] });
      continue;
    }
    try {
      fs.rmSync(lock, { force: true });
      sweep.removed.push(lock);
    } catch {
      sweep.held.push({ lock, pids: [] });
    }
  }
  return sweep;
}
