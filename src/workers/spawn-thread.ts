/**
 * Where agents and checks are started: a worker thread, not the supervisor's
 * event loop (the same reason as src/git/git-runner.ts for git).
 *
 * Starting a process is synchronous in Node: libuv forks the whole ~85 MB
 * supervisor and waits until the child has exec'd, 10 to 60 ms on a busy
 * machine. On the main thread each agent's start was one of the longest
 * stretches the event loop stood still (the mission-scale benchmark: ~2.7 s
 * of spawns per 200 units, each one a late timer for every other attempt).
 * In this thread the wait blocks only its own loop.
 *
 * Only the start, the pipes and the exit live here. Everything that decides
 * (the process group, the mark, timeouts, kills, the log, the lines) stays
 * with runSupervised on the main thread: groups and pids are the kernel's,
 * so ending a child works the same whichever thread started it. The output
 * crosses as copies of each chunk, in order, and a pipe can be paused from
 * the main thread while its log file catches up.
 *
 * The worker is plain JavaScript evaluated from a string, so it runs the same
 * from the TypeScript sources (tests) and from dist/. It shares the
 * supervisor's environment (SHARE_ENV), so only each child's own variables
 * cross. It is started on the first spawn, keeps the process alive only while
 * a child runs, and is started again if it ever dies (its children's starts
 * then fail, and their pipes read as closed).
 */
import type { Worker } from 'node:worker_threads';
import { startEvalWorker } from '../util/eval-worker.js';

export interface ThreadSpawnRequest {
  command: string;
  args: readonly string[];
  cwd: string;
  /** Added to the supervisor's environment; an undefined value removes the variable. */
  env: Record<string, string | undefined>;
  /** Written to stdin, which is then closed; without it stdin is 'ignore'. */
  stdinText?: string;
}

export type ThreadStream = 'stdout' | 'stderr';

/** How the start went: the leader's pid, or why there is none (errno code and message). */
export type ThreadStart = { pid: number } | { code: string | undefined; message: string };

export interface ThreadExit {
  exitCode: number | null;
  signal: string | null;
}

/** A child started from the thread, as runSupervised sees it. */
export interface ThreadChild {
  readonly started: Promise<ThreadStart>;
  /** The leader exited (its pipes may still be open). */
  readonly exited: Promise<ThreadExit>;
  /** The leader exited and both pipes closed (or the thread died). */
  readonly closed: Promise<ThreadExit>;
  /** Each chunk of a pipe, in order; set once, before any output can arrive. */
  onData(listener: (stream: ThreadStream, chunk: Buffer) => void): void;
  pause(stream: ThreadStream): void;
  resume(stream: ThreadStream): void;
  /** Stops reading both pipes (a descendant that left the group still holds them). */
  destroyPipes(): void;
}

const WORKER_SOURCE = `
const { spawn } = require('node:child_process');
const { parentPort } = require('node:worker_threads');
const children = new Map();
const post = (message, transfer) => parentPort.postMessage(message, transfer);
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
      env: { ...process.env, ...env },
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
      // A copy of exactly this chunk: a read may be a view into a larger buffer.
      const copy = new Uint8Array(chunk);
      post({ id, type: 'data', stream, chunk: copy }, [copy.buffer]);
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
  | { id: number; type: 'data'; stream: ThreadStream; chunk: Uint8Array }
  | { id: number; type: 'exit' | 'close'; exitCode: number | null; signal: string | null };

interface Entry {
  start: (start: ThreadStart) => void;
  exit: (exit: ThreadExit) => void;
  close: (exit: ThreadExit) => void;
  data?: (stream: ThreadStream, chunk: Buffer) => void;
}

let worker: Worker | undefined;
const entries = new Map<number, Entry>();
let nextId = 0;

function startWorker(): Worker {
  const started = startEvalWorker(WORKER_SOURCE, { shareEnv: true, onStopped: (reason) => fail(reason) });
  started.on('message', (message: WorkerMessage) => {
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
    if (worker === started) worker = undefined;
    const message = `gaffer's process starter stopped (${reason}); run again, and report it if it repeats`;
    for (const id of [...entries.keys()]) {
      entries.get(id)?.start({ code: undefined, message });
      finish(started, id, { exitCode: null, signal: null });
    }
  }
  return started;
}

/** The child's story is over: its promises settle (a second settle is a no-op) and it lets the process go. */
function finish(owner: Worker, id: number, exit: ThreadExit): void {
  const entry = entries.get(id);
  if (!entry) return;
  entries.delete(id);
  entry.exit(exit);
  entry.close(exit);
  if (entries.size === 0) owner.unref();
}

/** Starts one child from the worker thread: detached (its own process group), argv only, stdout and stderr piped. */
export function spawnFromThread(request: ThreadSpawnRequest): ThreadChild {
  worker ??= startWorker();
  const current = worker;
  const id = (nextId += 1);
  let entry!: Entry;
  const started = new Promise<ThreadStart>((resolveStart) => {
    entry = { start: resolveStart, exit: () => undefined, close: () => undefined };
  });
  const exited = new Promise<ThreadExit>((resolve) => (entry.exit = resolve));
  const closed = new Promise<ThreadExit>((resolve) => (entry.close = resolve));
  entries.set(id, entry);
  // A running child keeps the process alive, as one started on the main thread would.
  current.ref();
  const send = (message: object): void => {
    if (worker === current) current.postMessage(message);
  };
  send({
    type: 'spawn',
    id,
    command: request.command,
    args: [...request.args],
    cwd: request.cwd,
    env: request.env,
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
