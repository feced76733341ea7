/**
 * What a finished mission must not leave behind, whatever was killed on the
 * way: git lock files, registered worktrees, workspace folders, attempt
 * branches, live processes of the mission. Shared by the harness and the
 * focused crash tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gitSync } from '../lib.js';
import { commandLine, processesInside, processesWithMark } from './processes.js';

/** Attempt branches live here while their attempt or merge is open; kept ones move out of refs/heads. */
export const ATTEMPT_BRANCHES = 'refs/heads/gaffer/run-';

export interface LeftoverOptions {
  repo: string;
  stateDir: string;
  /** The mission's process mark token (GAFFER_PROCESS_MARK). */
  token: string;
  /** Says what an attempt branch was (its attempt's outcome, its merge's status), for the report. */
  describeBranch?: (ref: string) => string;
}

/** Every leftover found, one readable line each. Processes get a moment to finish exiting. */
export async function findLeftovers(options: LeftoverOptions): Promise<string[]> {
  const found: string[] = [];
  const gitDir = path.join(options.repo, '.git');
  for (const lock of lockFiles(gitDir)) found.push(`lock file ${path.relative(options.repo, lock)}`);
  const worktrees = gitSync(options.repo, ['worktree', 'list', '--porcelain'])
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .map((line) => line.slice('worktree '.length));
  for (const worktree of worktrees.slice(1)) found.push(`registered worktree ${worktree}`);
  const workspaces = path.join(options.stateDir, 'workspaces');
  if (fs.existsSync(workspaces)) {
    for (const entry of fs.readdirSync(workspaces))
      found.push(`workspace folder ${path.relative(options.repo, path.join(workspaces, entry))}`);
  }
  const refs = gitSync(options.repo, ['for-each-ref', '--format=%(refname)', 'refs/heads/gaffer/'])
    .split('\n')
    .filter((ref) => ref.startsWith(ATTEMPT_BRANCHES));
  for (const ref of refs) {
    const what = options.describeBranch?.(ref);
    found.push(`attempt branch ${ref}${what ? ` (${what})` : ''}`);
  }
  for (const pid of await lingeringProcesses(options)) {
    found.push(`live process ${pid}: ${commandLine(pid) || '(no command line)'}`);
  }
  return found;
}

/** `*.lock` anywhere in the git directory: refs, packed-refs, index, HEAD, config. */
export function lockFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (folder: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.lock')) found.push(full);
    }
  };
  walk(dir);
  return found.sort();
}

/** Processes carrying the mark or working inside the repository, still there after up to 3 s. */
async function lingeringProcesses(options: LeftoverOptions): Promise<number[]> {
  const scan = (): number[] => [
    ...new Set([...processesWithMark(options.token), ...processesInside(options.repo)]),
  ];
  let found = scan();
  for (let waited = 0; found.length > 0 && waited < 3000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    found = scan();
  }
  return found.sort((a, b) => a - b);
}
