import fs from 'node:fs';
import path from 'node:path';
import { git, tryGit } from '../git/git.js';
import type { Mutex } from '../util/mutex.js';

/**
 * The merge queue's own worktree (detached HEAD), where candidates are rebased
 * and verified. `repair` leaves it with no operation in progress, no stale
 * lock file, reset and clean; it runs at start and on every failure path.
 */
export class QueueWorktree {
  readonly path: string;

  constructor(
    private readonly repo: string,
    stateDir: string,
    private readonly repoLock: Mutex,
  ) {
    this.path = path.join(stateDir, 'merge');
  }

  /**
   * Makes the worktree usable at `at`: repaired if it exists, created if not.
   * A worktree that cannot be repaired is discarded and made anew, never reused.
   */
  async ensure(at: string): Promise<void> {
    if (fs.existsSync(path.join(this.path, '.git'))) {
      try {
        await this.repair();
        await this.checkout(at);
        return;
      } catch {
        // Fall through: discard it and start clean.
      }
    }
    await this.repoLock.run(async () => {
      await tryGit(this.repo, ['worktree', 'remove', '--force', '--force', this.path]);
      fs.rmSync(this.path, { recursive: true, force: true });
      await tryGit(this.repo, ['worktree', 'prune']);
      await git(this.repo, ['worktree', 'add', '--detach', this.path, at]);
    });
  }

  async checkout(commit: string): Promise<void> {
    await git(this.path, ['checkout', '--force', '--detach', commit]);
    await git(this.path, ['clean', '-fd']);
  }

  async repair(): Promise<void> {
    const gitDir = (await git(this.path, ['rev-parse', '--absolute-git-dir'])).trim();
    if (
      fs.existsSync(path.join(gitDir, 'rebase-merge')) ||
      fs.existsSync(path.join(gitDir, 'rebase-apply'))
    ) {
      await tryGit(this.path, ['rebase', '--abort']);
    }
    if (fs.existsSync(path.join(gitDir, 'MERGE_HEAD'))) await tryGit(this.path, ['merge', '--abort']);
    if (fs.existsSync(path.join(gitDir, 'CHERRY_PICK_HEAD')))
      await tryGit(this.path, ['cherry-pick', '--abort']);
    // The queue is the only writer in this worktree and it is between operations:
    // a lock file here was left by a git process that died.
    fs.rmSync(path.join(gitDir, 'index.lock'), { force: true });
    await git(this.path, ['reset', '--hard', '--quiet']);
    await git(this.path, ['clean', '-fd']);
  }

  async head(): Promise<string> {
    return (await git(this.path, ['rev-parse', 'HEAD'])).trim();
  }
}
