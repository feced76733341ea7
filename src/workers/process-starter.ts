/**
 * Where agents and checks are started: gaffer's process starter, a small
 * helper process (src/util/helper-process.ts), not the supervisor.
 *
 * Starting a process is synchronous in Node: libuv forks the process that
 * starts it and waits until the child has exec'd. Forked from the supervisor
 * (~150 MB) each start stalled its event loop, first on the main thread (the
 * mission-scale benchmark: ~2.7 s of spawns per 200 units) and then, from a
 * worker thread, through the page faults of a memory map being copied. From
 * the helper the fork is of a small process and the wait is the helper's.
 *
 * Only the start, the pipes and the exit live there. Everything that decides
 * (the process group, the mark, timeouts, kills, the log, the lines) stays
 * with runSupervised in the supervisor: groups and pids are the kernel's, so
 * ending a child works the same whichever process started it. The output
 * crosses as each chunk's bytes, in order, and a pipe can be paused from
 * the supervisor while its log file catches up.
 *
 * Each child's environment is the supervisor's as it is at the start, with
 * the child's own variables. The helper is started on the first spawn, keeps
 * the supervisor alive only while a child runs, and is started again if it
 * ever dies (its children's starts then fail, and their pipes read as closed;
 * the children themselves run on in their own process groups, where
 * runSupervised's kill and the mark scan find them).
 */
import { startHelper, type Helper } from '../util/helper-process.js';

export interface HelperSpawnRequest {
  command: string;
  args: readonly string[];
  cwd: string;
  /** Added to the supervisor's environment; an undefined value removes the variable. */
  env: Record<string, string | undefined>;
  /** Written to stdin, which is then closed; without it stdin is 'ignore'. */
  stdinText?: string;
}

export type HelperStream = 'stdout' | 'stderr';

/** How the start went: the leader's pid, or why there is none (errno code and message). */
export type HelperStart = { pid: number } | { code: string | undefined; message: string };

export interface HelperExit {
  exitCode: number | null;
  signal: string | null;
}

/** A child started from the helper, as runSupervised sees it. */
export interface HelperChild {
  readonly started: Promise<HelperStart>;
  /** The leader exited (its pipes may still be open). */
  readonly exited: Promise<HelperExit>;
  /** The leader exited and both pipes closed (or the helper died). */
  readonly closed: Promise<HelperExit>;
  /** Each chunk of a pipe, in order; set once, before any output can arrive. */
  onData(listener: (stream: HelperStream, chunk: Buffer) => void): void;
  pause(stream: HelperStream): void;
  resume(stream: HelperStream): void;
  /** Stops reading both pipes (a descendant that left the group still holds them). */
  destroyPipes(): void;
}

const HELPER_SOURCE = `
const { spawn } = require('node:child_process');
const children = new Map();
const post = (message) => parentPort.postMessage(message);
parentPort.on('message', (message) => {
  if (message.type === 'spawn') return start(message);
  const child = children.get(message.id);
  if (!child) return;
  if (message.type === 'pause') child[message.stream].pause();
  else if (message.type === 'resume') child[message.stream].resume();
  else if (message.type === 'destroy') {
    child.stdout.destroy();
    child.stderr.destroy();
  }
});
function start({ id, command, args, cwd, env, stdinText }) {
  let child;
  try {
    child = spawn(command, args, {
      cwd,
      env,
      detached: true,
      stdio: [stdinText === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    post({ id, type: 'failed', code: error && error.code, message: String((error && error.message) || error) });
    return;
  }
  child.on('error', (error) => {
    if (child.pid === undefined) post({ id, type: 'failed', code: error.code, message: error.message });
  });
  if (child.pid === undefined) return;
  children.set(id, child);
  post({ id, type: 'started', pid: child.pid });
  for (const stream of ['stdout', 'stderr']) {
    child[stream].on('data', (chunk) => {
      // Exactly this chunk's bytes cross (the channel copies a view, not the buffer behind it).
      post({ id, type: 'data', stream, chunk: new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength) });
    });
  }
  if (child.stdin) {
    // The child may exit without reading its input: not our error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdinText);
  }
  child.once('exit', (exitCode, signal) => post({ id, type: 'exit', exitCode, signal }));
  child.once('close', (exitCode, signal) => {
    children.delete(id);
    post({ id, type: 'close', exitCode, signal });
  });
}
`;

type WorkerMessage =
  | { id: number; type: 'started'; pid: number }
  | { id: number; type: 'failed'; code: string | undefined; message: string }
  | { id: number; type: 'data'; stream: HelperStream; chunk: Uint8Array }
  | { id: number; type: 'exit' | 'close'; exitCode: number | null; signal: string | null };

interface Entry {
  start: (start: HelperStart) => void;
  exit: (exit: HelperExit) => void;
  close: (exit: HelperExit) => void;
  data?: (stream: HelperStream, chunk: Buffer) => void;
}

let helper: Helper | undefined;
const entries = new Map<number, Entry>();
let nextId = 0;

function startHelperProcess(): Helper {
  const started = startHelper('gaffer process starter', HELPER_SOURCE, (reason) => fail(reason));
  started.onMessage((message: WorkerMessage) => {
    const entry = entries.get(message.id);
    if (!entry) return;
    switch (message.type) {
      case 'started':
        entry.start({ pid: message.pid });
        return;
      case 'failed':
        entry.start({ code: message.code, message: message.message });
        finish(started, message.id, { exitCode: null, signal: null });
        return;
      case 'data':
        entry.data?.(
          message.stream,
          Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength),
        );
        return;
      case 'exit':
        entry.exit({ exitCode: message.exitCode, signal: message.signal });
        return;
      case 'close':
        finish(started, message.id, { exitCode: message.exitCode, signal: message.signal });
        return;
      default: {
        const unreachable: never = message;
        return unreachable;
      }
    }
  });
  function fail(reason: string): void {
    if (helper === started) helper = undefined;
    const message = `gaffer's process starter stopped (${reason}); run again, and report it if it repeats`;
    for (const id of [...entries.keys()]) {
      entries.get(id)?.start({ code: undefined, message });
      finish(started, id, { exitCode: null, signal: null });
    }
  }
  return started;
}

/** The child's story is over: its promises settle (a second settle is a no-op) and it lets the process go. */
function finish(owner: Helper, id: number, exit: HelperExit): void {
  const entry = entries.get(id);
  if (!entry) return;
  entries.delete(id);
  entry.exit(exit);
  entry.close(exit);
  if (entries.size === 0) owner.unref();
}

let starts = 0;

/** How many children were started so far: the run's report counts them per unit. */
export function processStartCount(): number {
  return starts;
}

/** Starts one child from the helper: detached (its own process group), argv only, stdout and stderr piped. */
export function spawnFromHelper(request: HelperSpawnRequest): HelperChild {
  helper ??= startHelperProcess();
  starts += 1;
  const current = helper;
  const id = (nextId += 1);
  let entry!: Entry;
  const started = new Promise<HelperStart>((resolveStart) => {
    entry = { start: resolveStart, exit: () => undefined, close: () => undefined };
  });
  const exited = new Promise<HelperExit>((resolve) => (entry.exit = resolve));
  const closed = new Promise<HelperExit>((resolve) => (entry.close = resolve));
  entries.set(id, entry);
  // A running child keeps the process alive, as one started by the supervisor itself would.
  current.ref();
  const send = (message: object): void => {
    if (helper === current) current.postMessage(message);
  };
  send({
    type: 'spawn',
    id,
    command: request.command,
    args: [...request.args],
    cwd: request.cwd,
    env: { ...process.env, ...request.env },
    stdinText: request.stdinText,
  });
  return {
    started,
    exited,
    closed,
    onData(listener) {
      entry.data = listener;
    },
    pause: (stream) => send({ type: 'pause', id, stream }),
    resume: (stream) => send({ type: 'resume', id, stream }),
    destroyPipes: () => send({ type: 'destroy', id }),
  };
}
