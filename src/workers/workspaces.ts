import fs from 'node:fs';
import path from 'node:path';
import { git, tryGit } from '../git/git.js';
import { Mutex } from '../util/mutex.js';

export interface Workspace {
  branch: string;
  path: string;
}

/**
 * The one owner of the attempt worktrees under `<state>/worktrees`: a pool of
 * slots, one per running attempt. Each attempt gets a slot switched to a new
 * branch at its base commit, with tracked files reset and untracked files
 * removed; ignored files (installed dependencies, build caches) stay, as in a
 * CI cache. Creating a slot (`git worktree add`) is serialized: concurrent
 * adds race on git's own lock files. A slot that cannot be reset is
 * discarded, never reused.
 */
export class Workspaces {
  private readonly root: string;
  private readonly free: string[] = [];
  private created = 0;

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

  /** A new branch at `baseCommit`, checked out in a slot of its own until `release`. */
  async acquire(runId: number, unitId: string, attempt: number, baseCommit: string): Promise<Workspace> {
    const branch = Workspaces.branchName(runId, unitId, attempt);
    const reused = this.free.pop();
    if (reused !== undefined) {
      try {
        await git(reused, ['checkout', '--quiet', '--force', '-B', branch, baseCommit]);
        await git(reused, ['clean', '-fdq']);
        return { branch, path: reused };
      } catch {
        await this.discard(reused);
      }
    }
    const slot = path.join(this.root, `slot-${process.pid}-${(this.created += 1)}`);
    await this.repoLock.run(async () => {
      fs.rmSync(slot, { recursive: true, force: true });
      fs.mkdirSync(this.root, { recursive: true });
      await git(this.repo, ['worktree', 'add', '--quiet', '-B', branch, slot, baseCommit]);
    });
    return { branch, path: slot };
  }

  /** The attempt has ended: its slot serves the next one. The branch stays until its merge has ended. */
  release(workspace: Workspace): void {
    this.free.push(workspace.path);
  }

  /** Deletes a branch whose merge has ended (or that never had commits): a ref deletion, no lock needed. */
  async deleteBranch(branch: string): Promise<void> {
    await tryGit(this.repo, ['update-ref', '-d', `refs/heads/${branch}`]);
  }

  /**
   * Removes every slot a previous supervisor left (after a crash their state is
   * unknown) and the records of worktrees whose folders are gone.
   */
  async reset(): Promise<void> {
    this.free.length = 0;
    await this.repoLock.run(async () => {
      await fs.promises.rm(this.root, { recursive: true, force: true });
      await git(this.repo, ['worktree', 'prune']);
    });
  }

  /** Drops the records of worktrees whose folders are gone. */
  async prune(): Promise<void> {
    await this.repoLock.run(async () => {
      await git(this.repo, ['worktree', 'prune']);
    });
  }

  private async discard(slot: string): Promise<void> {
    await this.repoLock.run(async () => {
      await fs.promises.rm(slot, { recursive: true, force: true });
      await tryGit(this.repo, ['worktree', 'prune']);
    });
  }
}
