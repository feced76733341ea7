import fs from 'node:fs';
import path from 'node:path';
import { chaosStep } from '../util/chaos-step.js';
import { tryGit } from '../git/git.js';
import { IsolatedWorkspace } from '../git/isolated-workspace.js';
import type { SourceRepo } from '../git/source-repo.js';
import { runChecks, type RunChecksOptions } from '../health/run-checks.js';
import type { Snapshot } from '../store/health.js';

export type RebaseResult = { ok: true; head: string } | { ok: false; conflicted: string[]; message: string };

/**
 * The merge queue's workspace, where candidates are rebased and verified. It
 * is an isolated workspace: the checks (which run the candidate's code) see a
 * git directory of their own, so nothing they do reaches the user's refs,
 * hooks or configuration. gaffer's rebases write their commits straight into
 * the user's object store, ready for the guarded ref update. After a check
 * ran or a step failed, the git directory is made anew before gaffer uses git
 * here again: no rebase left half done, no lock, no planted hook survives.
 */
export class QueueWorkspace {
  readonly path: string;
  private readonly workspace: IsolatedWorkspace;

  /** Slot 1 is the merge queue's own folder (`merge/`); more verifiers get `verify/<slot>/`. */
  constructor(source: SourceRepo, stateDir: string, slot = 1) {
    this.path = slot === 1 ? path.join(stateDir, 'merge') : path.join(stateDir, 'verify', String(slot));
    this.workspace = new IsolatedWorkspace(this.path, source, {
      indexCopy: path.join(stateDir, 'index', slot === 1 ? 'merge.index' : `verify-${slot}.index`),
      writeObjects: true,
    });
  }

  /**
   * Makes the workspace usable at `at`. A folder an earlier gaffer left as a
   * linked worktree of the repository is removed and unregistered first.
   */
  async ensure(repo: string, at: string): Promise<void> {
    const dotGit = path.join(this.path, '.git');
    if (fs.existsSync(dotGit) && fs.lstatSync(dotGit).isFile()) {
      await tryGit(repo, ['worktree', 'remove', '--force', '--force', this.path]);
      await fs.promises.rm(this.path, { recursive: true, force: true });
      await tryGit(repo, ['worktree', 'prune']);
    }
    await this.checkout(at);
  }

  /** The work tree at `commit`, detached, clean; rebuilt if anything foreign ran since. */
  async checkout(commit: string): Promise<void> {
    try {
      await this.workspace.checkout(commit);
    } catch {
      // A workspace that cannot be reset is made anew from nothing, never reused as it is.
      await this.workspace.discard();
      await this.workspace.checkout(commit);
    }
  }

  /**
   * Runs the checks on `commit` here. They run the candidate's code, so the
   * git directory is made anew before gaffer's next git command.
   */
  async runChecks(commit: string, options: Omit<RunChecksOptions, 'cwd' | 'commit'>): Promise<Snapshot> {
    await this.checkout(commit);
    this.workspace.markForeign();
    return runChecks({ ...options, cwd: this.path, commit });
  }

  /**
   * Replays `base..tip` onto `onto`, leaving HEAD at the result. The commits
   * keep their authors' dates as committer dates, so the same commits on the
   * same base always make the same commit: a stack built again is the one
   * already verified. On failure the next use rebuilds.
   */
  async rebase(onto: string, base: string, tip: string): Promise<RebaseResult> {
    const args = [
      'rebase',
      '--quiet',
      '--no-autosquash',
      '--committer-date-is-author-date',
      '--onto',
      onto,
      base,
      tip,
    ];
    // A rebase checks out what it needs itself; it only needs a git directory gaffer made and a clean
    // work tree: after foreign code ran, both come with the rebase, from one process gaffer starts.
    const rebasing = this.workspace.isTrusted
      ? this.workspace.tryRun(args)
      : this.workspace.checkoutAndRun(onto, args).catch(() => undefined);
    chaosStep('rebase');
    let result = await rebasing;
    if (result === undefined) {
      // The checkout part failed: made anew from nothing, as any checkout that fails, then rebased alone.
      await this.checkout(onto);
      result = await this.workspace.tryRun(args);
    }
    if (result.exitCode === 0) {
      const head = await this.workspace.headCommit();
      this.workspace.noteHead(head);
      return { ok: true, head };
    }
    const unmerged = await this.workspace.tryRun(['diff', '--name-only', '--diff-filter=U']);
    const conflicted = unmerged.stdout.split('\n').filter((line) => line.trim() !== '');
    this.workspace.markForeign();
    return { ok: false, conflicted, message: (result.stderr || result.stdout).trim() };
  }

  /** Something failed mid-operation: rebuild before the next use. */
  markBroken(): void {
    this.workspace.markForeign();
  }
}
