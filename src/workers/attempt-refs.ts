/**
 * What becomes of attempt branches (`gaffer/run-<n>/<unit>/attempt-<k>`) once
 * their attempt and its merge have ended, so that `git branch` shows only
 * work still in flight:
 *
 * - merged, or without a commit of its own: deleted;
 * - failed, rejected, timed out, killed or reaped with commits: moved to
 *   `refs/gaffer/attempts/run-<n>/<unit>/attempt-<k>` (nothing is lost;
 *   `git log refs/gaffer/attempts/...` shows it, `gaffer clean` removes them);
 * - still running or waiting in the merge queue: left alone.
 *
 * The decision is read from the state database each time, so the sweep is
 * the way forward after a crash at any point: at the start of a run and at
 * its end it settles whatever the last supervisor left.
 */
import { ATTEMPT_BRANCH_PREFIX } from '../config/branch-names.js';
import { tryGit, updateRefs } from '../git/git.js';
import { isEnded } from '../machines/merge.js';
import type { Store } from '../store/store.js';

export const KEPT_ATTEMPTS = 'refs/gaffer/attempts/';

export interface AttemptSweep {
  deleted: string[];
  /** Moved under refs/gaffer/attempts/. */
  kept: string[];
}

/** The attempt branches in the repository: name → tip. */
async function attemptBranches(repo: string): Promise<Map<string, string>> {
  const listed = await tryGit(repo, [
    'for-each-ref',
    '--format=%(objectname) %(refname)',
    `refs/heads/${ATTEMPT_BRANCH_PREFIX.slice(0, ATTEMPT_BRANCH_PREFIX.lastIndexOf('/'))}`,
  ]);
  const branches = new Map<string, string>();
  for (const line of listed.stdout.split('\n')) {
    const [sha, ref] = line.split(' ');
    if (!sha || !ref?.startsWith(`refs/heads/${ATTEMPT_BRANCH_PREFIX}`)) continue;
    branches.set(ref.slice('refs/heads/'.length), sha);
  }
  return branches;
}

/** Where a kept attempt branch goes: `gaffer/run-3/a/attempt-2` → `refs/gaffer/attempts/run-3/a/attempt-2`. */
export function keptRef(branch: string): string {
  return `${KEPT_ATTEMPTS}${branch.slice(ATTEMPT_BRANCH_PREFIX.length - 'run-'.length)}`;
}

/** Settles every attempt branch whose attempt and merge have ended; see the module's comment. */
export async function sweepAttemptBranches(repo: string, store: Store): Promise<AttemptSweep> {
  const sweep: AttemptSweep = { deleted: [], kept: [] };
  for (const [branch, sha] of await attemptBranches(repo)) {
    const attempt = store.attempts.byBranch(branch);
    const merges = attempt ? store.merges.forAttempt(attempt.id) : [];
    if (attempt?.outcome === 'running' || merges.some((merge) => !isEnded(merge.status))) continue;
    const ref = `refs/heads/${branch}`;
    const merged = merges.some((merge) => merge.status === 'merged');
    if (merged || sha === attempt?.base_commit) {
      if (await updateRefs(repo, [{ ref, delete: true, from: sha }], `gaffer: attempt ended`))
        sweep.deleted.push(branch);
      continue;
    }
    // Work that did not land (or of an attempt gaffer has no record of): kept, out of `git branch`.
    const moved = await updateRefs(
      repo,
      [
        { ref: keptRef(branch), to: sha, from: null },
        { ref, delete: true, from: sha },
      ],
      'gaffer: attempt kept',
    );
    if (moved) sweep.kept.push(branch);
  }
  return sweep;
}

/** `gaffer clean`: removes every kept attempt ref; returns how many. */
export async function removeKeptAttempts(repo: string): Promise<string[]> {
  const listed = await tryGit(repo, ['for-each-ref', '--format=%(objectname) %(refname)', KEPT_ATTEMPTS]);
  const refs = listed.stdout
    .split('\n')
    .map((line) => line.split(' '))
    .filter((parts): parts is [string, string] => parts.length === 2 && parts[1] !== undefined);
  if (refs.length === 0) return [];
  const removed = await updateRefs(
    repo,
    refs.map(([sha, ref]) => ({ ref, delete: true as const, from: sha })),
    'gaffer clean',
  );
  return removed ? refs.map(([, ref]) => ref) : [];
}
