import fs from 'node:fs';
import path from 'node:path';
import { ATTEMPT_BRANCH_PREFIX } from '../config/branch-names.js';
import { chaosStep } from '../util/chaos-step.js';
import { git, looseRef, tryGit } from '../git/git.js';
import { IsolatedWorkspace } from '../git/isolated-workspace.js';
import { gitProcessesIn } from '../git/stale-locks.js';
import type { SourceRepo } from '../git/source-repo.js';

export interface Workspace {
  branch: string;
  path: string;
}

/** What an attempt left: its commits, fetched into the user's repository under its branch. */
export type Collected =
  { ok: true; tip: string; commits: number } | { ok: false; tip: string; commits: 0; reason: string };

/**
 * The one owner of the attempt workspaces under `<state>/workspaces`: a pool
 * of slots, one per running attempt. Each slot is an isolated workspace (its
 * own git directory, borrowing the user's objects), so an agent shares no
 * refs, hooks or configuration with the user's repository. An attempt starts
 * on a new branch at its base commit, tracked files reset and untracked files
 * removed; ignored files (installed dependencies, build caches) stay, as in a
 * CI cache. When it ends, gaffer fetches its commits into the user's
 * repository by the tip the workspace's HEAD names, and only then does the
 * attempt's branch exist there. A slot that cannot be prepared is discarded,
 * never reused.
 */
export class Workspaces {
  private readonly root: string;
  private readonly free: IsolatedWorkspace[] = [];
  private readonly byPath = new Map<string, IsolatedWorkspace>();
  private created = 0;

  constructor(
    private readonly source: SourceRepo,
    private readonly stateDir: string,
  ) {
    this.root = path.join(stateDir, 'workspaces');
  }

  static branchName(runId: number, unitId: string, attempt: number): string {
    return `${ATTEMPT_BRANCH_PREFIX}${runId}/${unitId}/attempt-${attempt}`;
  }

  /** A slot on a new branch at `baseCommit`, until `release`. */
  async acquire(runId: number, unitId: string, attempt: number, baseCommit: string): Promise<Workspace> {
    const branch = Workspaces.branchName(runId, unitId, attempt);
    const reused = this.free.pop();
    if (reused !== undefined) {
      try {
        await reused.checkout(baseCommit, branch);
        reused.markForeign();
        return { branch, path: reused.path };
      } catch {
        await this.discard(reused);
      }
    }
    this.created += 1;
    const name = `slot-${process.pid}-${this.created}`;
    const slot = new IsolatedWorkspace(path.join(this.root, name), this.source, {
      indexCopy: path.join(this.stateDir, 'index', `${name}.index`),
    });
    await fs.promises.rm(slot.path, { recursive: true, force: true });
    try {
      await slot.checkout(baseCommit, branch);
    } catch (error) {
      await this.discard(slot);
      throw error;
    }
    // From here on the agent owns the slot's git directory.
    slot.markForeign();
    this.byPath.set(slot.path, slot);
    return { branch, path: slot.path };
  }

  /**
   * Brings the attempt's commits into the user's repository as its branch, by
   * fetching the workspace's HEAD (git's upload-pack is made to serve
   * untrusted repositories: nothing the agent configured runs). The tip must
   * descend from the base: a rewritten history is not the attempt's work.
   */
  async collect(workspace: Workspace, baseCommit: string): Promise<Collected> {
    if (unchangedHead(workspace.path, baseCommit)) return { ok: true, tip: baseCommit, commits: 0 };
    return collectAttempt(this.source, { from: workspace.path, branch: workspace.branch, baseCommit });
  }

  /** The attempt has ended: its slot serves the next one. The branch stays until its merge has ended. */
  release(workspace: Workspace): void {
    const slot = this.byPath.get(workspace.path);
    if (slot) this.free.push(slot);
  }

  /** Deletes a branch whose merge has ended (or that never had commits): a ref deletion, no lock needed. */
  async deleteBranch(branch: string): Promise<void> {
    const deleting = tryGit(this.source.repo, ['update-ref', '-d', `refs/heads/${branch}`]);
    chaosStep('branch-delete');
    await deleting;
  }

  /**
   * Removes every slot a previous supervisor left (after a crash their state
   * is unknown), and the worktrees earlier versions of gaffer registered.
   */
  async reset(): Promise<void> {
    this.free.length = 0;
    this.byPath.clear();
    await fs.promises.rm(this.root, { recursive: true, force: true });
    await fs.promises.rm(path.join(this.stateDir, 'index'), { recursive: true, force: true });
    const legacy = path.join(this.stateDir, 'worktrees');
    const admins = legacyWorktreeAdmins(this.source.commonDir, this.stateDir);
    if (fs.existsSync(legacy) || admins.length > 0) {
      await fs.promises.rm(legacy, { recursive: true, force: true });
      // `git worktree prune` skips an entry marked locked (a kill during `git worktree add` leaves one).
      for (const admin of admins) {
        if (gitProcessesIn(admin).length === 0) await fs.promises.rm(admin, { recursive: true, force: true });
      }
      await tryGit(this.source.repo, ['worktree', 'prune']);
    }
  }

  private async discard(slot: IsolatedWorkspace): Promise<void> {
    this.byPath.delete(slot.path);
    await slot.discard();
  }
}

/**
 * Fetches an attempt's commits from its workspace (a folder, or an ssh URL
 * of one on a worker host) into the user's repository as its branch, by the
 * tip the workspace's HEAD names. git's upload-pack is made to serve
 * untrusted repositories: nothing the agent configured there runs. The tip
 * must descend from the base: a rewritten history is not the attempt's work.
 */
export async function collectAttempt(
  source: SourceRepo,
  attempt: { from: string; branch: string; baseCommit: string; env?: Record<string, string> },
): Promise<Collected> {
  const { branch, baseCommit } = attempt;
  const repo = source.repo;
  const ref = `refs/heads/${branch}`;
  const options = attempt.env === undefined ? undefined : { env: attempt.env };
  const fetched = await tryGit(
    repo,
    [
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-write-fetch-head',
      '--no-recurse-submodules',
      attempt.from,
      `+HEAD:${ref}`,
    ],
    options,
  );
  if (fetched.exitCode !== 0) {
    return {
      ok: false,
      tip: baseCommit,
      commits: 0,
      reason: `its commits could not be fetched from the workspace: ${(fetched.stderr || fetched.stdout).trim().split('\n')[0] ?? 'git fetch failed'}`,
    };
  }
  // The tip from the ref file the fetch just wrote, and one rev-list for both the ancestry and the
  // count (`base...tip`: left, commits of the base the tip lacks; right, the tip's own): one git
  // process where three ran (rev-parse, merge-base --is-ancestor, rev-list --count).
  const tip =
    looseRef(source.commonDir, ref) ?? (await git(repo, ['rev-parse', '--verify', `${ref}^{commit}`]));
  const counted = await tryGit(repo, ['rev-list', '--left-right', '--count', `${baseCommit}...${tip}`]);
  const [lacking, commits = Number.NaN] = counted.stdout
    .split(/\s+/)
    .map((count) => Number.parseInt(count, 10));
  const deleteBranch = async (): Promise<void> => {
    const deleting = tryGit(repo, ['update-ref', '-d', ref]);
    chaosStep('branch-delete');
    await deleting;
  };
  // As merge-base --is-ancestor did: anything but a clean "0 <n>" is not on top of the base.
  if (counted.exitCode !== 0 || lacking !== 0 || Number.isNaN(commits)) {
    await deleteBranch();
    return {
      ok: false,
      tip,
      commits: 0,
      reason: `its branch does not contain its base commit ${baseCommit.slice(0, 10)} (history was rewritten): only commits on top of the base can be merged`,
    };
  }
  if (commits === 0) await deleteBranch();
  return { ok: true, tip, commits };
}

/** The admin folders (`.git/worktrees/<name>`) of worktrees an older gaffer made in its state folder. */
function legacyWorktreeAdmins(commonDir: string, stateDir: string): string[] {
  const root = path.join(commonDir, 'worktrees');
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  const state = path.resolve(stateDir);
  return names
    .map((name) => path.join(root, name))
    .filter((admin) => {
      try {
        const gitdir = fs.readFileSync(path.join(admin, 'gitdir'), 'utf8').trim();
        return path.resolve(gitdir).startsWith(`${state}/`);
      } catch {
        return false;
      }
    });
}

/**
 * True when the workspace's HEAD still names the base commit, read from the
 * files without running git there: the common case of an attempt without
 * commits needs no fetch. Anything unexpected says "changed" and is fetched.
 */
function unchangedHead(workspace: string, baseCommit: string): boolean {
  try {
    const gitDir = path.join(workspace, '.git');
    if (!fs.lstatSync(gitDir).isDirectory()) return false;
    const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    if (head === baseCommit) return true;
    const match = /^ref: (refs\/heads\/[^\s]+)$/.exec(head);
    if (!match?.[1] || match[1].includes('..')) return false;
    const refFile = path.join(gitDir, ...match[1].split('/'));
    if (!fs.lstatSync(refFile).isFile()) return false;
    return fs.readFileSync(refFile, 'utf8').trim() === baseCommit;
  } catch {
    return false;
  }
}
