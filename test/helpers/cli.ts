import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterEach, beforeEach, expect } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { copyTemplateRepo } from './repo-template.js';

/**
 * Helpers for end-to-end CLI tests: the built CLI runs as a real subprocess
 * (`node dist/src/cli.js ...`, built by test/global-setup.ts) against real
 * temporary git repositories.
 */

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_PATH = path.join(PROJECT_ROOT, 'dist', 'src', 'cli.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** Runs `node dist/src/cli.js ...args`; never rejects, whatever the exit code. */
export async function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  const result = await execa(process.execPath, [CLI_PATH, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    reject: false,
    stdin: 'ignore',
    // Only bounds a hang: a whole run of gaffer on a loaded machine can take tens of seconds.
    timeout: options.timeoutMs ?? 120_000,
    env: {
      // Git must not find a repository above the temporary folders (a temp
      // dir inside someone's checkout would make "not a git repository" pass).
      GIT_CEILING_DIRECTORIES: os.tmpdir(),
      GAFFER_DEBUG: undefined,
      NO_COLOR: '1',
      ...options.env,
    },
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A new folder under the OS temp dir; remove it with removeTempDir. */
export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-test-'));
}

export function removeTempDir(dir: string | undefined): void {
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
}

/** Runs git synchronously in `cwd`, returning stdout; throws if git fails. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * A git repository at `dir` with a local identity and one commit (README.md)
 * on main (a copy of one made once per test process). With `commit: false` it is initialised but has no commit (no branch).
 */
export function makeRepo(dir: string, options: { commit?: boolean } = {}): string {
  const commit = options.commit ?? true;
  return copyTemplateRepo(
    commit ? 'cli-repo' : 'cli-repo-no-commit',
    (template) => initRepo(template, commit),
    dir,
  );
}

function initRepo(dir: string, commit: boolean): void {
  git(dir, 'init', '--quiet', '--initial-branch=main');
  git(dir, 'config', 'user.name', 'Gaffer Test');
  git(dir, 'config', 'user.email', 'test@gaffer.invalid');
  git(dir, 'config', 'commit.gpgsign', 'false');
  if (commit) {
    fs.writeFileSync(path.join(dir, 'README.md'), '# test repository\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '--quiet', '-m', 'Initial commit');
  }
}

/** Writes `value` as pretty JSON (creating folders); returns the file path. */
export function writeJson(file: string, value: unknown): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}

/** Local branch names, sorted. */
export function branchList(repo: string): string[] {
  return git(repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads')
    .split('\n')
    .filter((line) => line !== '')
    .sort();
}

/** Paths of every worktree git knows of (the main checkout first). */
export function worktreeList(repo: string): string[] {
  return git(repo, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .map((line) => line.slice('worktree '.length));
}

/** A plan with one scripted unit that writes and commits a file: a run of it takes well under a second. */
export function tinyPlan(): { name: string; units: { id: string; title: string; prompt: string }[] } {
  return {
    name: 'tiny',
    units: [
      {
        id: 'hello',
        title: 'Write hello.txt',
        prompt: [
          'Write hello.txt and commit it.',
          '@write hello.txt hello',
          '@commit Add hello.txt',
          '@handoff done wrote hello.txt',
        ].join('\n'),
      },
    ],
  };
}

/**
 * A temporary folder holding a repository (`repo/`, one commit on main), a
 * config (`gaffer.json`, scripted agent) and a plan (`plan.json`, tinyPlan)
 * next to it, outside the repository so they never dirty it.
 */
export interface Sandbox {
  root: string;
  repo: string;
  configPath: string;
  planPath: string;
  /** The state folder the default config uses: `<repo>/.gaffer`. */
  stateDir: string;
  /** `<stateDir>/state.db`. */
  databasePath: string;
  /** Rewrites gaffer.json as the default config with `overrides` merged in (top level). */
  writeConfig(overrides?: Record<string, unknown>): string;
  writePlan(plan: unknown): string;
}

export function defaultConfig(): Record<string, unknown> {
  return { repo: 'repo', plan: 'plan.json', agent: { kind: 'scripted' }, attemptTimeoutMs: 30_000 };
}

export function makeSandbox(): Sandbox {
  const root = makeTempDir();
  const repo = makeRepo(path.join(root, 'repo'));
  const configPath = path.join(root, 'gaffer.json');
  const planPath = path.join(root, 'plan.json');
  const stateDir = path.join(repo, '.gaffer');
  const sandbox: Sandbox = {
    root,
    repo,
    configPath,
    planPath,
    stateDir,
    databasePath: path.join(stateDir, 'state.db'),
    writeConfig: (overrides = {}) => writeJson(configPath, { ...defaultConfig(), ...overrides }),
    writePlan: (plan) => writeJson(planPath, plan),
  };
  sandbox.writeConfig();
  sandbox.writePlan(tinyPlan());
  return sandbox;
}

/** `gaffer run --config <sandbox config> --headless ...extra`, from the sandbox folder. */
export function runGaffer(sandbox: Sandbox, ...extra: string[]): Promise<CliResult> {
  return runCli(['run', '--config', sandbox.configPath, '--headless', ...extra], { cwd: sandbox.root });
}

/** Branches gaffer creates; none may exist after a refused run. */
export const GAFFER_BRANCH = /^gaffer\//;

/**
 * A refused command: the expected exit code, a one-message stderr naming the
 * problem and the fix (every pattern must match), no stack trace and no
 * "internal error". Returns stderr for further checks.
 */
export function expectRefusal(
  result: CliResult,
  exitCode: number,
  mentions: readonly (string | RegExp)[],
): string {
  const context = `exit ${result.exitCode}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  expect(result.exitCode, context).toBe(exitCode);
  expect(result.stderr, context).toMatch(/^gaffer: /);
  expect(result.stderr, 'a stack trace in stderr').not.toMatch(/^\s{4}at /m);
  expect(result.stderr).not.toMatch(/internal error/);
  for (const mention of mentions) {
    if (typeof mention === 'string') expect(result.stderr, context).toContain(mention);
    else expect(result.stderr, context).toMatch(mention);
  }
  return result.stderr;
}

/**
 * Nothing was written: no state database (and, unless the test made the
 * state folder itself, no state folder at all), the branch list exactly as
 * before (so no gaffer/working, gaffer/green or gaffer/run-* branch) and no
 * extra worktree.
 */
export function expectUntouched(
  repo: string,
  branchesBefore: readonly string[],
  options: { stateDir?: string; stateDirMayExist?: boolean } = {},
): void {
  const stateDir = options.stateDir ?? path.join(repo, '.gaffer');
  expect(fs.existsSync(path.join(stateDir, 'state.db')), 'state database created').toBe(false);
  if (!options.stateDirMayExist)
    expect(fs.existsSync(stateDir), `state folder ${stateDir} created`).toBe(false);
  if (!fs.existsSync(path.join(repo, '.git'))) return;
  const branches = branchList(repo);
  expect(branches).toEqual([...branchesBefore]);
  expect(branches.filter((branch) => GAFFER_BRANCH.test(branch) && !branchesBefore.includes(branch))).toEqual(
    [],
  );
  expect(worktreeList(repo)).toHaveLength(1);
}

/** The sandbox of the running test, from useSandbox. */
export interface SandboxAccessor {
  (): Sandbox;
  /** The branch list recorded right after the sandbox was made (before the test arranged anything). */
  branchesBefore(): string[];
}

/**
 * Gives each test of the enclosing describe block (or file) a fresh
 * makeSandbox(): registers a beforeEach that makes it and records its branch
 * list, and an afterEach that removes it. With `untouched: true` the afterEach
 * first checks expectUntouched against that branch list, for blocks in which
 * every test is a refusal; the folder is removed even when the check fails.
 * Call it in a describe block, not in a test; call the accessor in a test.
 */
export function useSandbox(options: { untouched?: boolean } = {}): SandboxAccessor {
  let current: { sandbox: Sandbox; branches: string[] } | undefined;
  beforeEach(() => {
    const sandbox = makeSandbox();
    current = { sandbox, branches: branchList(sandbox.repo) };
  });
  afterEach(() => {
    const ended = current;
    current = undefined;
    if (ended === undefined) return;
    try {
      if (options.untouched) expectUntouched(ended.sandbox.repo, ended.branches);
    } finally {
      removeTempDir(ended.sandbox.root);
    }
  });
  const active = () => {
    if (current === undefined) throw new Error('useSandbox: the sandbox exists only while a test runs');
    return current;
  };
  return Object.assign(() => active().sandbox, { branchesBefore: () => [...active().branches] });
}

/**
 * A run that went through: exit 0, nothing on stderr, "completed" on stdout
 * and the sandbox's state database written.
 */
export function expectCompletedRun(result: CliResult, sandbox: Sandbox): void {
  expect(result.exitCode, result.stderr + result.stdout).toBe(ExitCode.ok);
  expect(result.stderr).toBe('');
  expect(result.stdout).toContain('completed');
  expect(fs.existsSync(sandbox.databasePath)).toBe(true);
}

/** Starts `node -e 0`, waits for it to end and returns its (now unused) pid. */
export async function deadPid(): Promise<number> {
  const child = execa(process.execPath, ['-e', '0'], { reject: false });
  const pid = child.pid;
  await child;
  if (pid === undefined) throw new Error('node -e 0 did not start');
  return pid;
}
