/**
 * Where gaffer's own git processes are started: gaffer's git runner, a small
 * helper process (src/util/helper-process.ts), not the supervisor.
 *
 * Starting a process is synchronous in Node: libuv forks and then waits until
 * the child has exec'd. On a busy machine that wait is 10 to 60 ms per
 * process, and a supervisor runs several git commands per unit; on the main
 * thread those waits were the longest stretches its event loop stood still,
 * and from a worker thread the copy of the supervisor's memory map still
 * stalled it. From the helper the fork is of a small process. The git
 * processes are the same: in the supervisor's process group, with the
 * environment and options given.
 *
 * The helper is plain JavaScript evaluated from a string, so it runs the same
 * from the TypeScript sources (tests) and from dist/. It is started on the
 * first call, keeps the supervisor alive only while a command runs, and is
 * started again if it ever dies (its pending commands fail with the reason).
 */
import { startHelper, type Helper } from '../util/helper-process.js';

/** What one git process did: exit code (undefined when it never ran or was killed), output. */
export interface RawGitResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** Set when there is no exit code: why (spawn failed, a signal, too much output). */
  error?: string;
}

export interface GitProcessRequest {
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  input: string;
  maxBuffer: number;
}

/**
 * One step of a workspace's file work, done in the helper (see runFileSteps):
 * a folder made with its parents, a tree removed (a link itself, never what it
 * points to), a file written, a file copied (`optional`: a missing source is
 * no error), or a check that a path is a real folder (not a link).
 */
export type FileStep =
  | { op: 'mkdir'; path: string }
  | { op: 'rm'; path: string }
  | { op: 'write'; path: string; data: string }
  | { op: 'copy'; from: string; to: string; optional?: boolean }
  | { op: 'isFolder'; path: string };

const HELPER_SOURCE = `
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const envs = new Map();
function fileStep(step) {
  switch (step.op) {
    case 'mkdir': return void fs.mkdirSync(step.path, { recursive: true });
    case 'rm': return fs.rmSync(step.path, { recursive: true, force: true });
    case 'write': return fs.writeFileSync(step.path, step.data);
    case 'copy':
      try {
        return fs.copyFileSync(step.from, step.to);
      } catch (error) {
        if (step.optional && error && error.code === 'ENOENT') return;
        throw error;
      }
    case 'isFolder':
      if (!fs.lstatSync(step.path).isDirectory()) throw new Error(step.path + ' is not a folder');
      return;
    default: throw new Error('unknown file step ' + step.op);
  }
}
parentPort.on('message', ({ id, steps, args, cwd, envId, env, forget, input, maxBuffer }) => {
  if (steps) {
    try {
      for (const step of steps) fileStep(step);
      parentPort.postMessage({ id, exitCode: 0, stdout: '', stderr: '' });
    } catch (error) {
      parentPort.postMessage({ id, exitCode: undefined, stdout: '', stderr: '', error: String(error && error.message || error) });
    }
    return;
  }
  if (forget !== undefined) envs.delete(forget);
  if (env) envs.set(envId, env);
  else env = envs.get(envId);
  let child;
  try {
    child = execFile('git', args, { cwd, env, maxBuffer, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? error.code : 0;
      if (typeof code === 'number') parentPort.postMessage({ id, exitCode: code, stdout, stderr });
      else parentPort.postMessage({ id, exitCode: undefined, stdout, stderr, error: error.message });
    });
  } catch (error) {
    parentPort.postMessage({ id, exitCode: undefined, stdout: '', stderr: '', error: String(error && error.message || error) });
    return;
  }
  // git may exit without reading its input (an error, or a command that takes none): not our error.
  if (child.stdin) {
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  }
});
`;

interface Pending {
  resolve: (result: RawGitResult) => void;
  reject: (error: Error) => void;
}

let helper: Helper | undefined;
const pending = new Map<number, Pending>();
let nextId = 0;
/**
 * Environments the helper holds, by object, the last few used: gaffer's git
 * environment is one object built once, so it crosses to the helper once, not
 * with every command (copying it each time cost ~1 ms a command on a loaded
 * machine). The helper forgets what falls out of this map, when told.
 */
const KNOWN_ENVS = 16;
let knownEnvs = new Map<object, number>();
let nextEnvId = 0;

function startHelperProcess(): Helper {
  const started = startHelper('gaffer git runner', HELPER_SOURCE, (reason) => fail(reason));
  started.onMessage((message: RawGitResult & { id: number }) => {
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (pending.size === 0) started.unref();
    const { id: _id, ...result } = message;
    waiting.resolve(result);
  });
  function fail(reason: string): void {
    if (helper === started) {
      helper = undefined;
      knownEnvs = new Map();
    }
    const error = new Error(
      `gaffer's git runner stopped (${reason}); run again, and report it if it repeats`,
    );
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  }
  return started;
}

let gitProcessesStarted = 0;

/** How many git processes were asked for so far: the run's report counts them per unit. */
export function gitProcessCount(): number {
  return gitProcessesStarted;
}

/** Runs one git process from the helper; rejects only if the helper itself fails. */
export function runGitProcess(request: GitProcessRequest): Promise<RawGitResult> {
  gitProcessesStarted += 1;
  return post((id) => {
    const { envId, env, forget } = envMessage(request.env);
    return {
      id,
      args: [...request.args],
      cwd: request.cwd,
      envId,
      env,
      forget,
      input: request.input,
      maxBuffer: request.maxBuffer,
    };
  });
}

/**
 * Does a workspace's file work in the helper, in order, stopping at the first
 * step that fails (its error is thrown here). Making an attempt's git
 * directory anew is a few dozen file calls (the agent's git folder removed
 * file by file, the new one written); on the event loop each call's dispatch
 * added up to the largest share of the event loop's time per attempt.
 */
export async function runFileSteps(steps: readonly FileStep[]): Promise<void> {
  const result = await post((id) => ({ id, steps }));
  if (result.exitCode !== 0) throw new Error(result.error ?? 'a file step failed');
}

/** Sends one request to the helper (started on first use); its answer settles the promise. */
function post(message: (id: number) => object): Promise<RawGitResult> {
  helper ??= startHelperProcess();
  const current = helper;
  const id = (nextId += 1);
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    // A request in flight keeps the process alive, as a child process of the supervisor would.
    current.ref();
    current.postMessage(message(id));
  });
}

/** The environment's id, the environment itself only when the helper does not hold it, and the id it may forget. */
function envMessage(env: NodeJS.ProcessEnv): {
  envId: number;
  env: NodeJS.ProcessEnv | undefined;
  forget: number | undefined;
} {
  const known = knownEnvs.get(env);
  if (known !== undefined) {
    // Most recently used last: what falls out is what was used longest ago.
    knownEnvs.delete(env);
    knownEnvs.set(env, known);
    return { envId: known, env: undefined, forget: undefined };
  }
  const envId = (nextEnvId += 1);
  knownEnvs.set(env, envId);
  let forget: number | undefined;
  if (knownEnvs.size > KNOWN_ENVS) {
    const [oldest] = knownEnvs;
    if (oldest) {
      knownEnvs.delete(oldest[0]);
      forget = oldest[1];
    }
  }
  return { envId, env, forget };
}
