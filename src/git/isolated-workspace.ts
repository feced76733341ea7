import fs from 'node:fs';
import path from 'node:path';
import { chaosStep } from '../util/chaos-step.js';
import { git, gitStepsArgs, objectIdLine, STEPS_FAILED, tryGit, type GitResult } from './git.js';
import { runFileSteps, type FileStep } from './git-runner.js';
import { gitProcessesIn } from './stale-locks.js';
import type { SourceRepo } from './source-repo.js';

const LIVE_GIT_WAIT_MS = 5000;

let gitDirectoriesMade = 0;

/** How many workspace git directories were made anew so far: the run's report counts them per unit. */
export function gitDirectoryCount(): number {
  return gitDirectoriesMade;
}

/** Tracked files back to HEAD, then untracked ones gone: two git commands, one process started. */
const CLEAN_STEPS: readonly (readonly string[])[] = [
  ['reset', '--quiet', '--hard'],
  ['clean', '-fdq'],
];

export interface IsolatedWorkspaceOptions {
  /** Where gaffer keeps its copy of the index (outside the reach of what runs in the workspace). */
  indexCopy: string;
  /**
   * gaffer's own commits here (the merge queue's rebases) go straight into the
   * user's object store; an agent's or a check's writes stay in the
   * workspace's own store, which is thrown away.
   */
  writeObjects?: boolean;
}

/**
 * A work tree with a git directory of its own that borrows the user's objects
 * (alternates) and shares none of its refs, hooks or configuration: an agent
 * or a check working here can move no branch of the user's and plant no hook
 * or config that runs in gaffer's git commands.
 *
 * Whatever ran here may have rewritten the git directory (hooks, config,
 * `core.fsmonitor`, filters, even `.git` as a link elsewhere), so gaffer never
 * runs git in it after foreign code ran: `checkout` first makes the git
 * directory anew from files gaffer writes, then resets the work tree using
 * gaffer's own copy of the index (stat data the workspace's code cannot
 * forge: ctime), so only changed files are rewritten. Ignored files
 * (dependencies, caches) stay, as in a CI cache.
 */
export class IsolatedWorkspace {
  private trusted = false;
  private head: string | undefined;
  /** Set once this process has waited out git processes an earlier supervisor left here. */
  private leftoversGone = false;

  constructor(
    readonly path: string,
    private readonly source: SourceRepo,
    private readonly options: IsolatedWorkspaceOptions,
  ) {}

  get gitDir(): string {
    return path.join(this.path, '.git');
  }

  /** True while nothing foreign has run here since gaffer's last checkout. */
  get isTrusted(): boolean {
    return this.trusted;
  }

  /** Foreign code may have run here: the next use of git makes the git directory anew. */
  markForeign(): void {
    this.trusted = false;
  }

  /**
   * The work tree at `commit`, clean (but for ignored files), on `branch` or
   * detached, with a git directory made by gaffer.
   */
  async checkout(commit: string, branch?: string): Promise<void> {
    if (this.trusted && this.head === commit && branch === undefined) return;
    this.trusted = false;
    await this.rebuildGitDir(commit, branch);
    // The git directory is gaffer's own again: its git may run here.
    this.trusted = true;
    try {
      const reset = this.run(gitStepsArgs(CLEAN_STEPS));
      chaosStep('workspace');
      await reset;
      await this.keepIndexCopy();
    } catch (error) {
      this.trusted = false;
      throw error;
    }
    this.head = commit;
  }

  /**
   * `checkout(commit)` and then gaffer's git `args` (which may move HEAD, as a
   * rebase does), from one process the supervisor starts. Returns the
   * command's result; undefined when the checkout part failed, and then the
   * workspace is left untrusted for the caller to check out again.
   */
  async checkoutAndRun(commit: string, args: readonly string[]): Promise<GitResult | undefined> {
    this.trusted = false;
    this.head = undefined;
    await this.rebuildGitDir(commit, undefined);
    this.trusted = true;
    const running = this.tryRun(gitStepsArgs(CLEAN_STEPS, args));
    chaosStep('workspace');
    const result = await running;
    if (result.exitCode === STEPS_FAILED) {
      this.trusted = false;
      return undefined;
    }
    // Only after a success: the index then matches the work tree gaffer's git left.
    if (result.exitCode === 0) await this.keepIndexCopy();
    return result;
  }

  /** gaffer's git in the workspace: only while nothing foreign has run since the last checkout. */
  async run(args: readonly string[]): Promise<string> {
    this.assertTrusted(args);
    return git(this.path, this.scoped(args), this.gitOptions());
  }

  async tryRun(args: readonly string[]): Promise<GitResult> {
    this.assertTrusted(args);
    return tryGit(this.path, this.scoped(args), this.gitOptions());
  }

  /**
   * The commit HEAD names, read from the git directory gaffer made (no git
   * process) when HEAD is detached, as after gaffer's rebase; from git
   * otherwise. Only while nothing foreign has run here.
   */
  async headCommit(): Promise<string> {
    this.assertTrusted(['rev-parse']);
    try {
      const head = objectIdLine(await fs.promises.readFile(path.join(this.gitDir, 'HEAD'), 'utf8'));
      if (head !== undefined) return head;
    } catch {
      // Unreadable: git says.
    }
    return (await this.run(['rev-parse', '--verify', 'HEAD^{commit}'])).trim();
  }

  /** After gaffer itself moved HEAD (a rebase): the commit the work tree now holds. */
  noteHead(commit: string | undefined): void {
    this.head = commit;
  }

  /** Removes the workspace, work tree and git directory. */
  async discard(): Promise<void> {
    this.trusted = false;
    await fs.promises.rm(this.path, { recursive: true, force: true });
    await fs.promises.rm(this.options.indexCopy, { force: true });
  }

  private async keepIndexCopy(): Promise<void> {
    await runFileSteps([
      { op: 'mkdir', path: path.dirname(this.options.indexCopy) },
      { op: 'copy', from: path.join(this.gitDir, 'index'), to: this.options.indexCopy },
    ]);
  }

  private scoped(args: readonly string[]): string[] {
    return [`--git-dir=${this.gitDir}`, `--work-tree=${this.path}`, ...args];
  }

  private gitOptions(): { env: Record<string, string> } | undefined {
    return this.options.writeObjects ? { env: { GIT_OBJECT_DIRECTORY: this.source.objectsDir } } : undefined;
  }

  private assertTrusted(args: readonly string[]): void {
    if (!this.trusted) {
      throw new Error(
        `gaffer refused to run git ${args[0] ?? ''} in ${this.path}: foreign code ran there since its last checkout`,
      );
    }
  }

  private async rebuildGitDir(commit: string, branch: string | undefined): Promise<void> {
    gitDirectoriesMade += 1;
    // Only before this process's first use: later, every git gaffer ran here has been awaited, and
    // whatever an agent or a check started was ended with its process group and mark. The scan
    // reads every process in /proc (milliseconds on a busy machine, the event loop held), so it runs
    // once per folder, not once per attempt.
    if (!this.leftoversGone) {
      await waitForGitToLeave(this.path);
      this.leftoversGone = true;
    }
    const gitDir = this.gitDir;
    const steps: FileStep[] = [
      { op: 'mkdir', path: this.path },
      { op: 'isFolder', path: this.path },
      // rm on a symbolic link removes the link, never what it points to.
      { op: 'rm', path: gitDir },
      { op: 'mkdir', path: path.join(gitDir, 'objects', 'info') },
      { op: 'mkdir', path: path.join(gitDir, 'refs', 'tags') },
      { op: 'mkdir', path: path.join(gitDir, 'info') },
      {
        op: 'write',
        path: path.join(gitDir, 'objects', 'info', 'alternates'),
        data: `${this.source.objectsDir}\n`,
      },
      { op: 'write', path: path.join(gitDir, 'config'), data: this.source.workspaceConfig },
      { op: 'write', path: path.join(gitDir, 'info', 'exclude'), data: this.source.exclude },
    ];
    if (branch === undefined) {
      steps.push({ op: 'write', path: path.join(gitDir, 'HEAD'), data: `${commit}\n` });
    } else {
      const ref = path.join(gitDir, 'refs', 'heads', ...branch.split('/'));
      steps.push(
        { op: 'mkdir', path: path.dirname(ref) },
        { op: 'write', path: ref, data: `${commit}\n` },
        { op: 'write', path: path.join(gitDir, 'HEAD'), data: `ref: refs/heads/${branch}\n` },
      );
    }
    // No copy yet: the first checkout writes every file.
    steps.push({ op: 'copy', from: this.options.indexCopy, to: path.join(gitDir, 'index'), optional: true });
    // In gaffer's git runner: a few dozen file calls, none of them on the event loop.
    await runFileSteps(steps);
  }
}

/** A git process of ours still at work here (left by a supervisor that was killed) is waited for, never raced. */
async function waitForGitToLeave(folder: string): Promise<void> {
  const deadline = Date.now() + LIVE_GIT_WAIT_MS;
  for (;;) {
    const pids = gitProcessesIn(folder);
    if (pids.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`${folder} is in use by a running git process (pid ${pids.join(', ')})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
