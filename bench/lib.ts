/**
 * Shared helpers for the benchmarks: temp folders, fresh git repositories,
 * timed subprocesses whose output goes to files (never to the terminal),
 * verification of a branch's tree, flag parsing and the RESULT line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One benchmark: `npm run bench -- <name> [flags]`; returns the process exit code. */
export interface Benchmark {
  name: string;
  summary: string;
  /** Flags the benchmark accepts, one line each, for the usage message. */
  flags: string[];
  run: (argv: string[]) => Promise<number>;
}

/** A benchmark that cannot produce a trustworthy figure: printed, exit 1. */
export class BenchFailure extends Error {}

/** Flags wrong on the command line: usage, exit 2. */
export class BenchUsageError extends Error {}

/** The package root (nearest folder with package.json), whether run from bench/ or dist/bench/. */
export function packageRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new BenchFailure(`no package.json above ${here}`);
  }
}

/** The built CLI; the benchmarks run gaffer exactly as a user would. */
export function gafferCli(): string {
  const cli = path.join(packageRoot(), 'dist', 'src', 'cli.js');
  if (!fs.existsSync(cli))
    throw new BenchFailure(`${cli} is missing: run \`npx tsc -p tsconfig.build.json\` first`);
  return cli;
}

/** Temp folders made by this process; cleanup deletes them all. */
const tempDirs: string[] = [];
/** Process groups of timed runs still going; cleanup ends them (Ctrl-C, a crash). */
const liveGroups = new Set<number>();

export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gaffer-bench-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

/** The temp folders made so far (for --keep), forgetting them so cleanup leaves them alone. */
export function keepTempDirs(): string[] {
  return tempDirs.splice(0);
}

/** Other things a benchmark started that cleanup ends (servers), until they are ended another way. */
const cleanupTasks = new Set<() => Promise<void>>();

/** Has cleanup run `task` too (Ctrl-C, a crash); returns a function that takes it back. */
export function onCleanup(task: () => Promise<void>): () => void {
  cleanupTasks.add(task);
  return () => cleanupTasks.delete(task);
}

/** Ends any timed run still going and whatever onCleanup registered, then deletes every temp folder. */
export async function cleanup(): Promise<void> {
  await Promise.all([...liveGroups].map((group) => stopGroup(group)));
  liveGroups.clear();
  const tasks = [...cleanupTasks];
  cleanupTasks.clear();
  await Promise.allSettled(tasks.map((task) => task()));
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** SIGTERM (gaffer then ends its agents and exits), up to 5 s of grace, then SIGKILL. */
async function stopGroup(group: number): Promise<void> {
  const signal = (name: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(-group, name);
      return true;
    } catch {
      return false; // the group is gone
    }
  };
  if (!signal('SIGTERM')) return;
  for (let waited = 0; waited < 5000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (!signal(0)) return;
  }
  signal('SIGKILL');
}

/** Git environment for everything the benchmark itself runs: no prompts, C locale. */
export const gitEnv: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };

/** Runs git synchronously (setup and verification only, never timed); throws on failure. */
export function gitSync(cwd: string, args: string[]): string {
  const result = spawnSync('git', args, { cwd, env: gitEnv, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new BenchFailure(
      `git ${args.join(' ')} in ${cwd} failed: ${(result.stderr || String(result.error)).trim()}`,
    );
  }
  return result.stdout;
}

/** A fresh repository: git init, local identity, one initial commit on main. */
export function initRepo(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  gitSync(dir, ['init', '--quiet', '--initial-branch=main']);
  gitSync(dir, ['config', 'user.name', 'gaffer bench']);
  gitSync(dir, ['config', 'user.email', 'bench@gaffer.invalid']);
  fs.writeFileSync(path.join(dir, 'README.md'), '# bench\n');
  gitSync(dir, ['add', '-A']);
  gitSync(dir, ['commit', '--quiet', '-m', 'Initial commit']);
  return dir;
}

export interface TimedRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  seconds: number;
  stdoutPath: string;
  stderrPath: string;
}

/**
 * Runs a command with stdout and stderr going to files in `outDir` and times
 * it on the monotonic clock, from spawn to exit. The child leads its own
 * process group; a run over `timeoutMs` has the whole group stopped.
 */
export async function timedRun(
  command: string,
  args: string[],
  options: { cwd: string; outDir: string; label: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<TimedRun> {
  const stdoutPath = path.join(options.outDir, `${options.label}.stdout`);
  const stderrPath = path.join(options.outDir, `${options.label}.stderr`);
  const out = fs.openSync(stdoutPath, 'w');
  const err = fs.openSync(stderrPath, 'w');
  try {
    const start = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', out, err],
      detached: true,
    });
    const group = child.pid;
    if (group !== undefined) liveGroups.add(group);
    const timer = setTimeout(() => {
      if (group !== undefined) void stopGroup(group);
    }, options.timeoutMs);
    const [exitCode, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    const seconds = (performance.now() - start) / 1000;
    clearTimeout(timer);
    if (group !== undefined) liveGroups.delete(group);
    return { exitCode, signal, seconds, stdoutPath, stderrPath };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
}

/** The last lines of a file, for failure messages. */
/** A side that did not exit 0 failed the benchmark: says how it ended, with the ends of its output. */
export function requireSuccess(run: TimedRun, side: string): void {
  if (run.exitCode === 0) return;
  const how = run.signal ? `was killed by ${run.signal}` : `exited ${run.exitCode ?? 'none'}`;
  throw new BenchFailure(
    `${side} ${how} (expected 0) after ${run.seconds.toFixed(1)} s; its output (${run.stdoutPath}):\n${tailOf(run.stdoutPath)}\nstderr:\n${tailOf(run.stderrPath)}`,
  );
}

export function tailOf(file: string, lines = 15): string {
  if (!fs.existsSync(file)) return '(no output file)';
  const text = fs.readFileSync(file, 'utf8').trimEnd();
  return text === '' ? '(empty)' : text.split('\n').slice(-lines).join('\n');
}

/** The blob id git gives a file with this content. */
export function blobId(content: string): string {
  const body = Buffer.from(content, 'utf8');
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${body.length}\0`), body]))
    .digest('hex');
}

/**
 * Checks that `branch` holds exactly the expected content at each path (one
 * `git ls-tree`, blob ids compared, no extra checkouts). Throws BenchFailure
 * naming the first few missing or wrong files.
 */
export function verifyTree(
  repo: string,
  branch: string,
  expected: ReadonlyMap<string, string>,
  who: string,
): void {
  const listing = gitSync(repo, ['ls-tree', '-r', '--full-tree', `refs/heads/${branch}`]);
  const blobs = new Map<string, string>();
  for (const line of listing.split('\n')) {
    const match = /^\d+ blob ([0-9a-f]+)\t(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) blobs.set(match[2], match[1]);
  }
  const wrong: string[] = [];
  for (const [file, content] of expected) {
    const actual = blobs.get(file);
    if (actual === undefined) wrong.push(`${file} missing`);
    else if (actual !== blobId(content)) wrong.push(`${file} has the wrong content`);
  }
  if (wrong.length > 0) {
    throw new BenchFailure(
      `${who}: ${branch} is missing work (${wrong.length} of ${expected.size} files): ${wrong.slice(0, 5).join(', ')}${wrong.length > 5 ? ', …' : ''}`,
    );
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Reads `--name N` as a positive integer, or the fallback when absent. */
export function intFlag(argv: readonly string[], name: string, fallback: number): number {
  const index = argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = Number(argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) {
    throw new BenchUsageError(
      `--${name} needs a positive integer, got ${JSON.stringify(argv[index + 1] ?? '')}`,
    );
  }
  return value;
}

/** Rejects flags the benchmark does not know, so a typo never silently runs the defaults. */
export function checkFlags(argv: readonly string[], known: Record<string, 'int' | 'bool'>): void {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const kind = arg.startsWith('--') ? known[arg.slice(2)] : undefined;
    if (kind === undefined) throw new BenchUsageError(`unknown argument ${JSON.stringify(arg)}`);
    if (kind === 'int') i += 1;
  }
}

/** The one machine-readable line; always printed last. */
export function resultLine(name: string, value: number): string {
  return `RESULT ${name}=${value.toFixed(2)}`;
}
