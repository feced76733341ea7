import { execa } from 'execa';
import { GitError } from '../errors.js';

export interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

// Git must never stop to ask a question (an editor for a rebase message, a
// credential prompt) and its messages must be parseable whatever the locale.
const gitEnv = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_EDITOR: 'true',
  GIT_SEQUENCE_EDITOR: 'true',
  GIT_MERGE_AUTOEDIT: 'no',
  LC_ALL: 'C',
};

/** Runs git and returns its result whatever the exit status: for callers that branch on it. */
export async function tryGit(cwd: string, args: readonly string[]): Promise<GitResult> {
  const result = await execa('git', args, {
    cwd,
    env: gitEnv,
    reject: false,
    stripFinalNewline: true,
    stdin: 'ignore',
  });
  if (result.failed && result.exitCode === undefined) {
    throw new GitError(args, undefined, result.stderr || (result.message ?? 'git could not be run'));
  }
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs git and throws GitError unless it exits 0: no git failure is ever ignored. */
export async function git(cwd: string, args: readonly string[]): Promise<string> {
  const result = await tryGit(cwd, args);
  if (result.exitCode !== 0) throw new GitError(args, result.exitCode, result.stderr || result.stdout);
  return result.stdout;
}

export async function revParse(cwd: string, rev: string): Promise<string | undefined> {
  const result = await tryGit(cwd, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

export async function branchTip(cwd: string, branch: string): Promise<string | undefined> {
  return revParse(cwd, `refs/heads/${branch}`);
}

/**
 * Moves a branch to `next` only if it still points at `expected` (compare and
 * swap); `expected` null means the branch must not exist yet. Returns false
 * when another writer moved it first.
 */
export async function compareAndSwapBranch(
  cwd: string,
  branch: string,
  next: string,
  expected: string | null,
  reason: string,
): Promise<boolean> {
  const oldValue = expected ?? '0'.repeat(40);
  const result = await tryGit(cwd, ['update-ref', '-m', reason, `refs/heads/${branch}`, next, oldValue]);
  return result.exitCode === 0;
}

export async function countCommits(cwd: string, from: string, to: string): Promise<number> {
  const out = await git(cwd, ['rev-list', '--count', `${from}..${to}`]);
  return Number.parseInt(out.trim(), 10);
}

export async function isValidBranchName(cwd: string, name: string): Promise<boolean> {
  const result = await tryGit(cwd, ['check-ref-format', '--branch', name]);
  return result.exitCode === 0;
}
