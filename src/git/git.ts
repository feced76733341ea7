import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chaosArmed, chaosStep } from '../util/chaos-step.js';
import { GitError } from '../errors.js';
import { runGitProcess } from './git-runner.js';

export interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

// Git must never stop to ask a question (an editor for a rebase message, a
// credential prompt) and its messages must be parseable whatever the locale.
const gitVariables = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_EDITOR: 'true',
  GIT_SEQUENCE_EDITOR: 'true',
  GIT_MERGE_AUTOEDIT: 'no',
  GIT_CONFIG_NOSYSTEM: '1',
  LC_ALL: 'C',
};

/**
 * Variables that would point gaffer's git at another repository, index or
 * configuration than the one it names (set by a git hook gaffer was started
 * from, or by a caller's shell): never inherited.
 */
const REDIRECTING =
  /^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|COMMON_DIR|NAMESPACE|CONFIG|CONFIG_PARAMETERS|CONFIG_COUNT|CONFIG_KEY_\d+|CONFIG_VALUE_\d+|EXTERNAL_DIFF|DIFF_OPTS|PAGER|EXEC_PATH_OVERRIDE|REPLACE_REF_BASE|GRAFT_FILE|SHALLOW_FILE|QUARANTINE_PATH)$/;

/**
 * Settings on every git command gaffer runs, whatever the repository or an
 * agent wrote into its configuration: no hook runs (`/dev/null` is no folder),
 * no file-system monitor command, no background gc or maintenance, no signing
 * program. Filters and merge drivers are the user's own (LFS, git-crypt): a
 * workspace copies them at the start; a change during the run is noticed by
 * the repository guard.
 */
export const SAFE_GIT_FLAGS: readonly string[] = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'gc.auto=0',
  '-c',
  'maintenance.auto=false',
  '-c',
  'commit.gpgsign=false',
  '-c',
  'tag.gpgsign=false',
];

let baseEnv: NodeJS.ProcessEnv | undefined;
/**
 * The environments with extra variables, by those variables: the same object
 * each time, so the supervisor sends it to the git runner once, not with every
 * command (a merge workspace's commands all add the same GIT_OBJECT_DIRECTORY).
 */
const extendedEnvs = new Map<string, NodeJS.ProcessEnv>();
const EXTENDED_ENVS = 16;

/** The environment of gaffer's own git commands: the supervisor's, minus redirections, plus the fixed settings. */
export function gitEnvironment(extra?: Record<string, string>): NodeJS.ProcessEnv {
  // Built once: gaffer runs thousands of git commands and the environment does not change under it.
  baseEnv ??= {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !REDIRECTING.test(name))),
    ...gitVariables,
  };
  if (extra === undefined) return baseEnv;
  const key = JSON.stringify(Object.entries(extra));
  let env = extendedEnvs.get(key);
  if (env === undefined) {
    if (extendedEnvs.size >= EXTENDED_ENVS) extendedEnvs.clear();
    env = Object.freeze({ ...baseEnv, ...extra });
    extendedEnvs.set(key, env);
  }
  return env;
}

export interface GitOptions {
  input?: string;
  /** Added to gaffer's git environment (GIT_OBJECT_DIRECTORY for a workspace that writes into the user's objects). */
  env?: Record<string, string>;
}

/**
 * Runs git and returns its result whatever the exit status: for callers that
 * branch on it. Plain execFile, not execa (the supervisor runs thousands of
 * short git commands and each wrapper layer costs milliseconds per spawn),
 * started by the git runner (a helper process) so the spawn never stalls the event loop
 * (src/git/git-runner.ts).
 */
export async function tryGit(
  cwd: string,
  args: readonly string[],
  input?: string | GitOptions,
): Promise<GitResult> {
  const options: GitOptions = typeof input === 'string' ? { input } : (input ?? {});
  const result = await runGitProcess({
    args: [...SAFE_GIT_FLAGS, ...args],
    cwd,
    env: gitEnvironment(options.env),
    input: options.input ?? '',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.exitCode === undefined)
    throw new GitError(args, undefined, result.stderr || (result.error ?? 'git did not run'));
  return { exitCode: result.exitCode, stdout: result.stdout.replace(/\n$/, ''), stderr: result.stderr };
}

/** Runs git and throws GitError unless it exits 0: no git failure is ever ignored. */
export async function git(cwd: string, args: readonly string[], options?: GitOptions): Promise<string> {
  const result = await tryGit(cwd, args, options);
  if (result.exitCode !== 0) throw new GitError(args, result.exitCode, result.stderr || result.stdout);
  return result.stdout;
}

/** A word for /bin/sh, whatever it holds. */
function shellWord(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Arguments that make one git process run several git commands, each only
 * after the one before exited 0 (a shell alias given on the command line:
 * git runs it with `/bin/sh`). The supervisor forks once instead of once per
 * command, and a fork from a large Node.js process costs its parent
 * milliseconds of CPU; git and sh start far cheaper. The outer git stays
 * alive until the last command ends, in the same folder with the same
 * arguments, so a leftover is found as any git of gaffer's is. The commands
 * inherit everything the outer git was given: the `-c` settings (through
 * GIT_CONFIG_PARAMETERS, so no hook runs there either), --git-dir and
 * --work-tree (GIT_DIR, GIT_WORK_TREE), the environment. The exit code is
 * the first failing command's; with `then`, STEPS_FAILED when a step failed,
 * else that last command's own.
 */
export function gitStepsArgs(steps: readonly (readonly string[])[], then?: readonly string[]): string[] {
  const command = (args: readonly string[]): string => `git ${args.map(shellWord).join(' ')}`;
  let script = steps.map(command).join(' && ');
  // With a last command that reports its own outcome: the steps' failure is told apart by its code.
  if (then !== undefined) script = `${script} || exit ${STEPS_FAILED}; exec ${command(then)}`;
  return ['-c', `alias.gaffer-steps=!${script}`, 'gaffer-steps'];
}

/** The exit code of gitStepsArgs' steps failing before its last command ran (git itself never exits 97). */
export const STEPS_FAILED = 97;

export async function revParse(cwd: string, rev: string): Promise<string | undefined> {
  const result = await tryGit(cwd, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/** The tips of several branches in one call; a missing branch is absent from the map. */
export async function branchTips(cwd: string, branches: readonly string[]): Promise<Map<string, string>> {
  const refs = branches.map((branch) => `refs/heads/${branch}`);
  const out = await git(cwd, ['for-each-ref', '--format=%(objectname) %(refname)', ...refs]);
  const tips = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [sha, ref] = line.split(' ');
    if (sha && ref && refs.includes(ref)) tips.set(ref.slice('refs/heads/'.length), sha);
  }
  return tips;
}

/**
 * A ref's commit read from its loose file in the repository's common git
 * directory, without starting git: undefined when there is no such regular
 * file (a packed ref, a ref storage other than files, a symbolic ref or a
 * link), and then the
 * caller asks git. git writes a loose ref by renaming a finished lock file
 * over it, so a read sees the old value or the new, never half of one; and
 * git itself reads the loose file before the packed one, so both agree.
 */
export function looseRef(commonDir: string, ref: string): string | undefined {
  if (!ref.startsWith('refs/') || ref.split('/').some((part) => part === '' || part === '.' || part === '..'))
    return undefined;
  try {
    const file = path.join(commonDir, ...ref.split('/'));
    // A link git reads as a symbolic ref (`refs/...`), relative to the git directory: git decides.
    if (!fs.lstatSync(file).isFile()) return undefined;
    return objectIdLine(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The object id a ref file or a detached HEAD holds (40 or 64 hex digits and a newline); undefined for anything else. */
export function objectIdLine(text: string): string | undefined {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})\n?$/.test(text) ? text.trimEnd() : undefined;
}

export async function branchTip(cwd: string, branch: string): Promise<string | undefined> {
  return revParse(cwd, `refs/heads/${branch}`);
}

export type RefUpdate =
  { ref: string; to: string; from: string | null } | { ref: string; delete: true; from: string };

const ZERO = '0'.repeat(40);

/**
 * Applies every update in one atomic ref transaction, each guarded by the
 * value it must have now (compare and swap). All or nothing: false when any
 * guard failed, and then no ref moved.
 */
export async function updateRefs(
  cwd: string,
  updates: readonly RefUpdate[],
  reason: string,
): Promise<boolean> {
  const lines = updates.map((update) =>
    'delete' in update
      ? `delete ${update.ref} ${update.from}`
      : `update ${update.ref} ${update.to} ${update.from ?? ZERO}`,
  );
  if (chaosArmed('ref-transaction')) return heldTransaction(cwd, lines, reason);
  const result = await tryGit(
    cwd,
    ['update-ref', '--create-reflog', '-m', reason, '--stdin'],
    `${lines.join('\n')}\n`,
  );
  return result.exitCode === 0;
}

/**
 * The same transaction in git's explicit form (start, prepare, commit), for
 * the chaos harness only: between prepare and commit git holds every ref's
 * lock, and the harness kills the supervisor there.
 */
function heldTransaction(cwd: string, lines: readonly string[], reason: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(
      'git',
      [...SAFE_GIT_FLAGS, 'update-ref', '--create-reflog', '-m', reason, '--stdin'],
      {
        cwd,
        env: gitEnvironment(),
        stdio: ['pipe', 'pipe', 'ignore'],
      },
    );
    let output = '';
    let held = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (held || !output.includes('prepare: ok')) return;
      held = true;
      chaosStep('ref-transaction');
      child.stdin.end('commit\n');
    });
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => resolve(code === 0 && held));
    child.stdin.write(`start\n${lines.join('\n')}\nprepare\n`);
  });
}
