/**
 * Makes a fresh workspace ready for its agent: the repository's untracked
 * files the config names (`copyFiles`, such as `.env`) copied in, then the
 * config's `setup` commands (`npm ci`) run there, each with a timeout, as the
 * agent would run (its environment, its own process group), their output in
 * the attempt's log and ring buffer under a `[setup] <command>` header.
 *
 * Nothing this puts in the workspace may become the agent's work: the copied
 * paths and every untracked path setup left are written to the workspace's
 * own `info/exclude`, so neither an agent's `git add -A` nor gaffer's commit
 * of leftovers sweeps them in. The workspace's git directory is rebuilt at
 * the next checkout, which drops these lines again.
 *
 * A failure (a command that exits non-zero, hangs or is missing) is returned
 * with its output, never thrown: the caller records it as infrastructure.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentConfig } from '../config/schema.js';
import { tryGit } from '../git/git.js';
import type { AttemptPlace } from '../hosts/worker-host.js';
import type { RingBuffer } from './ring-buffer.js';

export interface WorkspaceSetupSpec {
  /** The user's repository: where copyFiles come from. */
  repo: string;
  baseCommit: string;
  /** The attempt's slot, on this machine or a worker host. */
  place: AttemptPlace;
  copyFiles: readonly string[];
  setup: readonly (readonly string[])[];
  timeoutMs: number;
  graceMs: number;
  agent: Pick<AgentConfig, 'passEnv' | 'env'>;
  /** Variables the agent also gets (GAFFER_UNIT_ID...). */
  extraEnv: Record<string, string>;
  logPath: string;
  ring: RingBuffer;
  redact: (line: string) => string;
  onLine: (line: string) => void;
  signal: AbortSignal;
}

export type SetupResult = { ok: true } | { ok: false; killed: boolean; reason: string };

/** The lines of a failed command the reason quotes. */
const REASON_TAIL_LINES = 5;
const REASON_TAIL_CHARS = 600;

export async function prepareWorkspace(spec: WorkspaceSetupSpec): Promise<SetupResult> {
  if (spec.copyFiles.length === 0 && spec.setup.length === 0) return { ok: true };
  const say = (line: string): void => {
    const text = spec.redact(line);
    appendLog(spec.logPath, `${text}\n`);
    spec.ring.push(text);
    spec.onLine(text);
  };
  const copied: string[] = [];
  for (const file of spec.copyFiles) {
    const problem = await spec.place.copyIn(spec.repo, spec.baseCommit, file);
    if (problem === undefined) copied.push(file);
    else say(`[setup] copyFiles: ${problem}`);
  }
  if (copied.length > 0) say(`[setup] copied ${copied.join(', ')}`);
  // Before any command runs: nothing foreign has touched the git directory yet.
  const unexcluded = await spec.place.exclude(copied, false);
  if (unexcluded !== undefined) return fail(unexcluded);
  if (spec.setup.length === 0) return { ok: true };

  const env = spec.place.environment(spec.agent, spec.extraEnv);
  for (const argv of spec.setup) {
    const [command = '', ...args] = argv;
    const shown = argv.join(' ');
    say(`[setup] ${shown}`);
    const tail: string[] = [];
    const result = await spec.place.run({
      command,
      args,
      env,
      timeoutMs: spec.timeoutMs,
      graceMs: spec.graceMs,
      logPath: spec.logPath,
      ring: spec.ring,
      redact: spec.redact,
      signal: spec.signal,
      onLine: (line) => {
        tail.push(line);
        if (tail.length > REASON_TAIL_LINES) tail.shift();
        spec.onLine(line);
      },
    });
    const output = tail.join('\n').slice(-REASON_TAIL_CHARS).trim();
    const quoted = output === '' ? ' (no output)' : `: ${output}`;
    switch (result.outcome) {
      case 'exited':
        if (result.exitCode === 0) continue;
        return fail(`setup \`${shown}\` failed (exit ${result.exitCode ?? 'none'})${quoted}`);
      case 'timed-out':
        return fail(
          `setup \`${shown}\` timed out after ${Math.round(spec.timeoutMs / 1000)} s (setupTimeoutMs); its process group was ended${quoted}`,
        );
      case 'spawn-failed':
        return fail(`setup \`${shown}\` could not start: ${result.spawnError ?? 'unknown error'}`);
      case 'killed':
        say(`[setup] \`${shown}\` ended: the attempt was stopped`);
        return { ok: false, killed: true, reason: `setup \`${shown}\` was stopped` };
      default: {
        const unreachable: never = result.outcome;
        return unreachable;
      }
    }
  }
  const created = await untrackedPaths(spec, env);
  if (typeof created === 'string') return fail(`could not list what setup created: ${created}`);
  if (created.length > 0) {
    const problem = await spec.place.exclude(created, true);
    if (problem !== undefined) return fail(problem);
    say(
      `[setup] kept out of the attempt's commits: ${created.slice(0, 10).join(', ')}${created.length > 10 ? ` and ${created.length - 10} more` : ''}`,
    );
  }
  return { ok: true };

  function fail(reason: string): SetupResult {
    say(`[setup] ${reason.split('\n')[0] ?? reason}`);
    return { ok: false, killed: false, reason };
  }
}

/**
 * Why a file of the repository cannot be copied into a workspace, before any
 * copy: it is missing, or tracked (the workspace has it as committed).
 */
export async function copyFileProblem(
  repo: string,
  baseCommit: string,
  file: string,
): Promise<string | undefined> {
  if (!fs.existsSync(path.join(repo, file))) return `${file} does not exist in ${repo}; not copied`;
  // A tracked file is already there as committed: the user's local edits are not the base.
  const tracked = await tryGit(repo, ['cat-file', '-e', `${baseCommit}:${toGitPath(file)}`]);
  if (tracked.exitCode === 0) {
    return `${file} is tracked at the base commit: the workspace has it as committed; not copied (copyFiles is for untracked files such as .env)`;
  }
  return undefined;
}

/** Copies one file (or folder) of the repository into a workspace on this machine; returns why not, if it did not. */
export async function copyIntoLocalWorkspace(
  repo: string,
  baseCommit: string,
  workspace: string,
  file: string,
): Promise<string | undefined> {
  const source = path.join(repo, file);
  const target = path.join(workspace, file);
  const problem = await copyFileProblem(repo, baseCommit, file);
  if (problem !== undefined) return problem;
  // A link left in the workspace (by an earlier attempt, among ignored files) must not redirect the copy.
  const linked = linkOnTheWay(workspace, file);
  if (linked !== undefined) return `${linked} in the workspace is a symbolic link; ${file} not copied`;
  try {
    await fs.promises.rm(target, { recursive: true, force: true });
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    // Modes stay (copyFile keeps them); a link in the repository is copied as what it points to.
    await fs.promises.cp(source, target, { recursive: true, dereference: true, preserveTimestamps: true });
  } catch (error) {
    return `${file} could not be copied: ${error instanceof Error ? error.message : String(error)}`;
  }
  return undefined;
}

/** The first folder on the way to `file` inside `root` that is a symbolic link, if any. */
function linkOnTheWay(root: string, file: string): string | undefined {
  const parts = file.split('/').filter((part) => part !== '' && part !== '.');
  let at = root;
  for (const part of parts.slice(0, -1)) {
    at = path.join(at, part);
    try {
      if (fs.lstatSync(at).isSymbolicLink()) return path.relative(root, at);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The untracked paths in the workspace (folders whole), read by git as the
 * agent would run it: setup ran there, so its git is no longer gaffer's.
 */
async function untrackedPaths(
  spec: WorkspaceSetupSpec,
  env: Record<string, string | undefined>,
): Promise<string[] | string> {
  const lines: string[] = [];
  const result = await spec.place.run({
    command: 'git',
    args: ['-c', 'core.quotePath=false', 'ls-files', '--others', '--exclude-standard', '--directory'],
    env: { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
    timeoutMs: 120_000,
    graceMs: spec.graceMs,
    signal: spec.signal,
    onLine: (line) => lines.push(line),
  });
  if (result.outcome !== 'exited' || result.exitCode !== 0) {
    return `git ls-files ${result.outcome === 'exited' ? `exited with code ${result.exitCode ?? 'none'}` : result.outcome}: ${lines.slice(0, 3).join(' ')}`;
  }
  return lines.filter((line) => line !== '').map(unquoteGitPath);
}

/**
 * Appends anchored patterns for `paths` to the workspace's `info/exclude`.
 * After setup ran, a link there could point anywhere: then nothing is written
 * through it. Returns why it could not, if it could not.
 */
export function excludeFromLocalWorkspace(
  workspace: string,
  paths: readonly string[],
  options: { checkLinks?: boolean } = {},
): string | undefined {
  if (paths.length === 0) return undefined;
  try {
    writeExclude(workspace, paths, options.checkLinks === true);
    return undefined;
  } catch (error) {
    return `could not keep ${paths.join(', ')} out of the attempt's commits (the workspace's info/exclude): ${error instanceof Error ? error.message : String(error)}`;
  }
}

function writeExclude(workspace: string, paths: readonly string[], checkLinks: boolean): void {
  const gitDir = path.join(workspace, '.git');
  const infoDir = path.join(gitDir, 'info');
  if (checkLinks) {
    for (const dir of [gitDir, infoDir]) {
      if (!fs.lstatSync(dir).isDirectory()) {
        throw new Error(
          `setup replaced ${path.relative(workspace, dir)} in the workspace with something other than a folder`,
        );
      }
    }
  }
  fs.mkdirSync(infoDir, { recursive: true });

  const flags =
    fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW;
  const fd = fs.openSync(path.join(infoDir, 'exclude'), flags, 0o644);
  try {
    fs.writeSync(fd, excludeText(paths));
  } finally {
    fs.closeSync(fd);
  }
}

/** The lines appended to a workspace's info/exclude for paths setup copied or made (here or on a host). */
export function excludeText(paths: readonly string[]): string {
  const lines = paths.map((file) => `/${escapePattern(file)}`).join('\n');
  return `\n# gaffer: copied or made by workspace setup, never the agent's work\n${lines}\n`;
}

/** A path as a gitignore pattern that matches it literally (folders keep their trailing slash). */
export function escapePattern(file: string): string {
  const normalized = file
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
  const slash = file.endsWith('/') ? '/' : '';
  return normalized.replace(/[\\*?[\]!#]/g, (char) => `\\${char}`).replace(/ $/, '\\ ') + slash;
}

/** git quotes a path with special characters in C style (`"a\tb"`, octal bytes): the path itself. */
export function unquoteGitPath(line: string): string {
  if (!(line.startsWith('"') && line.endsWith('"') && line.length >= 2)) return line;
  const named: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13 };
  const pieces: Buffer[] = [];
  let from = 0;
  const body = line.slice(1, -1);
  for (const match of body.matchAll(/\\([0-7]{3}|.)/g)) {
    pieces.push(Buffer.from(body.slice(from, match.index), 'utf8'));
    const code = match[1] ?? '';
    const byte = /^[0-7]{3}$/.test(code) ? Number.parseInt(code, 8) : (named[code] ?? code.charCodeAt(0));
    pieces.push(Buffer.from([byte]));
    from = match.index + match[0].length;
  }
  pieces.push(Buffer.from(body.slice(from), 'utf8'));
  return Buffer.concat(pieces).toString('utf8');
}

function toGitPath(file: string): string {
  return file
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

function appendLog(logPath: string, text: string): void {
  try {
    fs.mkdirSync(path.dirname(logPath), { recursive: true });
    fs.appendFileSync(logPath, text);
  } catch {
    // The log is a record, not a requirement: the ring buffer and events still carry the line.
  }
}
