import fs from 'node:fs';
import path from 'node:path';
import { git, tryGit } from '../git/git.js';
import type { Mutex } from '../util/mutex.js';

const LOCK_WAIT_MS = 5000;

/** Live git processes whose working folder is inside `folder` (Linux /proc; elsewhere none are seen). */
export function gitProcessesIn(folder: string): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'git') continue;
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === folder || cwd.startsWith(`${folder}/`)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

export type RebaseResult = { ok: true; head: string } | { ok: false; conflicted: string[]; message: string };

/**
 * The merge queue's own worktree (detached HEAD), where candidates are rebased
 * and verified. After any failure it is repaired before its next use: no
 * rebase, merge or cherry-pick in progress, no stale lock file, reset and
 * clean. After a success it is known clean and goes straight to work.
 */
export class QueueWorktree {
  readonly path: string;
  private gitDir: string | undefined;
  private needsRepair = true;
  private mayBeDirty = false;

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
    this.gitDir = undefined;
    this.needsRepair = false;
  }

  async checkout(commit: string): Promise<void> {
    await this.repairIfNeeded();
    if ((await this.head()) === commit) return;
    await this.guard(async () => {
      await git(this.path, ['checkout', '--detach', commit]);
    });
  }

  /** Replays `base..tip` onto `onto`, leaving HEAD at the result. On failure the worktree is repaired. */
  async rebase(onto: string, base: string, tip: string): Promise<RebaseResult> {
    await this.repairIfNeeded();
    const result = await tryGit(this.path, ['rebase', '--no-autosquash', '--onto', onto, base, tip]);
    if (result.exitCode === 0) return { ok: true, head: await this.guard(() => this.head()) };
    const unmerged = await tryGit(this.path, ['diff', '--name-only', '--diff-filter=U']);
    const conflicted = unmerged.stdout.split('\n').filter((line) => line.trim() !== '');
    this.needsRepair = true;
    await this.repairIfNeeded();
    return { ok: false, conflicted, message: (result.stderr || result.stdout).trim() };
  }

  /** Something failed mid-operation: repair before the next use. */
  markBroken(): void {
    this.needsRepair = true;
  }

  /** The checks may have written anything: the next operation looks, and cleans up if they did. */
  markUsed(): void {
    this.mayBeDirty = true;
  }

  async repair(): Promise<void> {
    this.gitDir ??= (await git(this.path, ['rev-parse', '--absolute-git-dir'])).trim();
    const gitDir = this.gitDir;
    if (
      fs.existsSync(path.join(gitDir, 'rebase-merge')) ||
      fs.existsSync(path.join(gitDir, 'rebase-apply'))
    ) {
      await tryGit(this.path, ['rebase', '--abort']);
    }
    if (fs.existsSync(path.join(gitDir, 'MERGE_HEAD'))) await tryGit(this.path, ['merge', '--abort']);
    if (fs.existsSync(path.join(gitDir, 'CHERRY_PICK_HEAD')))
      await tryGit(this.path, ['cherry-pick', '--abort']);
    await this.removeStaleLock(path.join(gitDir, 'index.lock'));
    await git(this.path, ['reset', '--hard', '--quiet']);
    await git(this.path, ['clean', '-fd', '--quiet']);
    this.needsRepair = false;
    this.mayBeDirty = false;
  }

  /** HEAD is detached here, so its file holds the commit: read it rather than spawn git. */
  /**
   * A lock file left by a git process that died is removed; one that a live git
   * process holds (in this worktree) is waited for, then reported, never broken.
   */
  private async removeStaleLock(lock: string): Promise<void> {
    if (!fs.existsSync(lock)) return;
    const deadline = Date.now() + LOCK_WAIT_MS;
    while (gitProcessesIn(this.path).length > 0) {
      if (Date.now() > deadline) {
        throw new Error(
          `${lock} is held by a running git process (pid ${gitProcessesIn(this.path).join(', ')})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    fs.rmSync(lock, { force: true });
  }

  async head(): Promise<string> {
    this.gitDir ??= (await git(this.path, ['rev-parse', '--absolute-git-dir'])).trim();
    const content = (await fs.promises.readFile(path.join(this.gitDir, 'HEAD'), 'utf8')).trim();
    return /^[0-9a-f]{40,64}$/.test(content) ? content : (await git(this.path, ['rev-parse', 'HEAD'])).trim();
  }

  private async repairIfNeeded(): Promise<void> {
    if (!this.needsRepair && this.mayBeDirty) {
      // Ignored files (dependencies, caches) may stay; anything else the checks left must go.
      const status = await tryGit(this.path, ['status', '--porcelain']);
      this.needsRepair = status.exitCode !== 0 || status.stdout.trim() !== '';
      this.mayBeDirty = false;
    }
    if (this.needsRepair) await this.repair();
  }

  /** Runs a step whose failure leaves the worktree in an unknown state. */
  private async guard<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      this.needsRepair = true;
      throw error;
    }
  }
}
