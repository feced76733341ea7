import fs from 'node:fs';
import path from 'node:path';
import { git, tryGit } from '../git/git.js';
import { Mutex } from '../util/mutex.js';

export interface Workspace {
  branch: string;
  path: string;
}

/**
 * The one owner of the attempt worktrees under `<state>/worktrees`. Every
 * change to the repository's worktree list and branches goes through one
 * mutex: concurrent `git worktree add` calls race on git's own lock files.
 */
export class Workspaces {
  private readonly root: string;

  constructor(
    private readonly repo: string,
    stateDir: string,
    readonly repoLock: Mutex = new Mutex(),
  ) {
    this.root = path.join(stateDir, 'worktrees');
  }

  static branchName(runId: number, unitId: string, attempt: number): string {
    return `gaffer/run-${runId}/${unitId}/attempt-${attempt}`;
  }

  /** A new branch at `baseCommit`, checked out in a fresh worktree. */
  async create(runId: number, unitId: string, attempt: number, baseCommit: string): Promise<Workspace> {
    const branch = Workspaces.branchName(runId, unitId, attempt);
    const worktree = path.join(this.root, `run-${runId}`, `${unitId}-${attempt}`);
    await this.repoLock.run(async () => {
      // A leftover from a crash: the same attempt number is never reused, but a
      // half-created worktree at this path must not stop the new one.
      if (fs.existsSync(worktree)) await this.removeLocked(worktree);
      fs.mkdirSync(path.dirname(worktree), { recursive: true });
      await git(this.repo, ['worktree', 'add', '-b', branch, worktree, baseCommit]);
    });
    return { branch, path: worktree };
  }

  /**
   * Removes the worktree's files; the branch stays until its merge request has
   * ended. git's record of the worktree goes at the next `prune` (end of each
   * round): one git call per round instead of one per attempt.
   */
  async remove(worktree: string): Promise<void> {
    await fs.promises.rm(worktree, { recursive: true, force: true });
  }

  /** Deletes a branch whose merge has ended (or that never had commits): a ref deletion, no lock needed. */
  async deleteBranch(branch: string): Promise<void> {
    await tryGit(this.repo, ['update-ref', '-d', `refs/heads/${branch}`]);
  }

  /** Drops worktree records whose folders are gone (after a crash or a manual delete). */
  async prune(): Promise<void> {
    await this.repoLock.run(async () => {
      await git(this.repo, ['worktree', 'prune']);
    });
  }

  private async removeLocked(worktree: string): Promise<void> {
    const result = await tryGit(this.repo, ['worktree', 'remove', '--force', '--force', worktree]);
    if (result.exitCode !== 0) {
      // Not registered (or already half gone): delete the folder and forget the record.
      fs.rmSync(worktree, { recursive: true, force: true });
      await tryGit(this.repo, ['worktree', 'prune']);
    }
  }
}
