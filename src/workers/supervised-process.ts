/**
 * Runs one child (an agent or a check) the way every earlier supervisor
 * learned it must be run: in its own process group, argv only (no shell),
 * stdout and stderr drained continuously into lines, a log file and a ring
 * buffer, one monotonic budget, and on timeout, abort or exit the whole group
 * ended (SIGTERM, grace, SIGKILL), then every process still carrying the
 * child's mark (see process-marks.ts: those that left the group) ended the
 * same way. It never throws for a failed child: the result says what happened.
 */
import { createWriteStream, existsSync, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { errorMessage } from '../errors.js';
import { toTerminalText } from '../util/terminal-text.js';
import { killGroup } from './process-group.js';
import {
  endMarkedProcesses,
  newProcessMark,
  PROCESS_MARK_VARIABLE,
  processMarkValue,
  trackChild,
} from './process-marks.js';
import type { RingBuffer } from './ring-buffer.js';
import { spawnFromHelper } from './process-starter.js';

export interface SupervisedSpec {
  command: string;
  args: readonly string[];
  cwd: string;
  /**
   * Added to the inherited environment; an undefined value removes the
   * variable. GAFFER_PROCESS_MARK is always set by runSupervised, whatever
   * this says.
   */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed; without it stdin is 'ignore'. */
  stdinText?: string;
  /** Whole-run budget in ms, measured on the monotonic clock. */
  timeoutMs?: number;
  /** SIGTERM → SIGKILL grace in ms. Default 2000. */
  graceMs?: number;
  /** All raw stdout and stderr is appended here as it arrives. */
  logPath?: string;
  ring?: RingBuffer;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Abort ends the whole group; the outcome is then 'killed'. */
  signal?: AbortSignal;
  /**
   * Masks secrets. When set, every line is redacted before it reaches the
   * ring, onLine and the log; the log is then written line by line instead of
   * in raw chunks, so a secret split across two chunks is still caught.
   */
  redact?: (line: string) => string;
  /** Called once with the leader's pid (= its process group id) right after spawn. */
  onSpawn?: (pid: number) => void;
  /**
   * For a command that runs elsewhere (over ssh): on a timeout or an abort,
   * ends its processes there first, so its last output still streams back
   * before the local group (the ssh client) is ended.
   */
  stopRemote?: () => Promise<unknown>;
}

export type SupervisedOutcome = 'exited' | 'timed-out' | 'killed' | 'spawn-failed';

export interface SupervisedResult {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  outcome: SupervisedOutcome;
  spawnError?: string;
  /** Complete lines seen on stdout and stderr together. */
  lines: number;
  /** Raw bytes seen on stdout and stderr together. */
  bytes: number;
  /** The leader's pid (also its process group id). */
  pid?: number;
  /** The log file could not be written; output still reached ring and onLine. */
  logError?: string;
  /** The first exception thrown by onLine; later lines were still delivered. */
  listenerError?: string;
}

const DEFAULT_GRACE_MS = 2000;
/**
 * Once the group is gone the pipes normally close at once. A descendant that
 * left the group (setsid) can still hold them; after this long we stop
 * waiting rather than hang the caller forever.
 */
const STREAM_SETTLE_MS = 2000;
/** An unterminated line longer than this is emitted in pieces, bounding memory. */
const MAX_PARTIAL_LINE = 64 * 1024;

export async function runSupervised(spec: SupervisedSpec): Promise<SupervisedResult> {
  const start = performance.now();
  const elapsed = (): number => Math.round(performance.now() - start);
  if (spec.signal?.aborted) {
    return { exitCode: null, signal: null, durationMs: 0, outcome: 'killed', lines: 0, bytes: 0 };
  }

  const log = LogSink.open(spec.logPath);
  const counters = { lines: 0, bytes: 0 };
  let listenerError: string | undefined;
  const callListener = (call: () => void): void => {
    try {
      call();
    } catch (error) {
      // A throwing listener must not take the supervisor (or the child) down.
      listenerError ??= errorMessage(error);
    }
  };
  const redact = spec.redact;
  const splitterFor = (stream: 'stdout' | 'stderr'): LineSplitter =>
    new LineSplitter((rawLine, terminator) => {
      counters.lines++;
      // The log keeps the raw bytes (redacted); what reaches the ring, the listeners and so
      // every screen and record is text only, redacted after the strip so that a secret an
      // escape sequence split in two is whole when it is looked for.
      if (redact !== undefined) log.write(redactSafely(redact, rawLine) + terminator);
      const text = toTerminalText(rawLine);
      const line = redact === undefined ? text : redactSafely(redact, text);
      spec.ring?.push(line);
      const onLine = spec.onLine;
      if (onLine !== undefined) callListener(() => onLine(line, stream));
    });

  const mark = newProcessMark();
  // Started by the process starter: the fork and its wait are that helper's, not this loop's (process-starter.ts).
  const child = spawnFromHelper({
    command: spec.command,
    args: spec.args,
    cwd: spec.cwd,
    // The mark last: a caller's env can neither forge nor remove it.
    env: { ...spec.env, [PROCESS_MARK_VARIABLE]: processMarkValue(mark) },
    ...(spec.stdinText !== undefined ? { stdinText: spec.stdinText } : {}),
  });
  const splitters = { stdout: splitterFor('stdout'), stderr: splitterFor('stderr') };
  child.onData((stream, chunk) => {
    counters.bytes += chunk.length;
    if (redact === undefined) log.write(chunk);
    splitters[stream].write(chunk);
    // A slow disk must not let output pile up in memory: pause this pipe
    // until the log catches up (the child then blocks on its own write).
    if (log.full) {
      child.pause(stream);
      log.onDrain(() => child.resume(stream));
    }
  });
  const started = await child.started;
  if (!('pid' in started)) {
    await log.close();
    return spawnFailed(spec, describeSpawnFailure(spec, started), elapsed());
  }
  const { pid } = started;
  const settled = child.closed;

  const untrack = trackChild(pid, mark);
  const onSpawn = spec.onSpawn;
  if (onSpawn !== undefined) callListener(() => onSpawn(pid));

  const graceMs = spec.graceMs ?? DEFAULT_GRACE_MS;
  let groupEnded: Promise<unknown> | undefined;
  const endGroup = (): Promise<unknown> =>
    (groupEnded ??= killGroup(pid, { graceMs }).catch(() => undefined));
  // After the group: whatever still carries the mark left the group (setsid,
  // double fork). One /proc scan when nothing did.
  const endMarked = (): Promise<unknown> => endMarkedProcesses(mark, graceMs).catch(() => undefined);

  let outcome: 'exited' | 'timed-out' | 'killed' = 'exited';
  let leaderExited = false;
  let exitCode: number | null = null;
  let exitSignal: string | null = null;
  const leaderExit = child.exited.then((exit) => {
    leaderExited = true;
    exitCode = exit.exitCode;
    exitSignal = exit.signal;
    // Orphaned grandchildren would keep the pipes (and the CPU) busy forever.
    void endGroup();
  });

  const stopEarly = (reason: 'timed-out' | 'killed'): void => {
    if (leaderExited || outcome !== 'exited') return;
    outcome = reason;
    const remote = spec.stopRemote?.().catch(() => undefined);
    if (remote === undefined) void endGroup();
    else void remote.then(() => endGroup());
  };
  const timer =
    spec.timeoutMs === undefined
      ? undefined
      : setTimeout(() => stopEarly('timed-out'), Math.max(0, spec.timeoutMs - (performance.now() - start)));
  const onAbort = (): void => stopEarly('killed');
  spec.signal?.addEventListener('abort', onAbort, { once: true });
  // Aborted while the helper was starting it: end it now.
  if (spec.signal?.aborted) onAbort();

  try {
    await Promise.race([leaderExit, settled]);
    await endGroup();
    // Before waiting on the pipes: an escaped process may be what holds them.
    await endMarked();
    if (!(await settlesWithin(settled, STREAM_SETTLE_MS))) child.destroyPipes();
    const result = await settled;
    if (!leaderExited) {
      exitCode = result.exitCode;
      exitSignal = result.signal;
    }
  } finally {
    untrack();
    if (timer !== undefined) clearTimeout(timer);
    spec.signal?.removeEventListener('abort', onAbort);
    splitters.stdout.end();
    splitters.stderr.end();
    await log.close();
  }

  return {
    exitCode,
    signal: exitSignal,
    durationMs: elapsed(),
    outcome,
    lines: counters.lines,
    bytes: counters.bytes,
    pid,
    ...(log.error !== undefined ? { logError: log.error } : {}),
    ...(listenerError !== undefined ? { listenerError } : {}),
  };
}

/** Waits for promise up to ms without leaving a timer behind to hold the event loop. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function redactSafely(redact: (line: string) => string, line: string): string {
  try {
    return redact(line);
  } catch {
    // Never let an unredacted line through because the redactor broke.
    return '[line withheld: redaction failed]';
  }
}

function spawnFailed(spec: SupervisedSpec, message: string, durationMs: number): SupervisedResult {
  return {
    exitCode: null,
    signal: null,
    durationMs,
    outcome: 'spawn-failed',
    spawnError: message || `could not start ${spec.command}`,
    lines: 0,
    bytes: 0,
  };
}

function describeSpawnFailure(
  spec: SupervisedSpec,
  failure: { code: string | undefined; message: string },
): string {
  const { code, message: detail } = failure;
  if (code === 'ENOENT' && !existsSync(spec.cwd)) {
    return `cannot start ${spec.command}: working directory ${spec.cwd} does not exist (${detail})`;
  }
  if (code === 'ENOENT') {
    return `cannot start ${spec.command}: command not found; install it or fix PATH (${detail})`;
  }
  if (code === 'EACCES') {
    return `cannot start ${spec.command}: permission denied; is it executable? (${detail})`;
  }
  return `cannot start ${spec.command}: ${detail}`;
}

/** Decodes one stream's chunks (UTF-8 split across chunks included) into lines. */
class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private ended = false;

  /** terminator is what ended the line in the output: '\n', '\r\n' or '' (cut or final). */
  constructor(private readonly emit: (line: string, terminator: string) => void) {}

  write(chunk: Buffer | string): void {
    if (this.ended) return;
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    let from = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', from)) {
      const line = text.slice(from, newline);
      if (line.endsWith('\r')) this.emit(line.slice(0, -1), '\r\n');
      else this.emit(line, '\n');
      from = newline + 1;
    }
    this.partial = text.slice(from);
    while (this.partial.length > MAX_PARTIAL_LINE) {
      this.emit(this.partial.slice(0, MAX_PARTIAL_LINE), '');
      this.partial = this.partial.slice(MAX_PARTIAL_LINE);
    }
  }

  /** Flushes the final unterminated line; idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest.length > 0) this.emit(rest, '');
  }
}

/**
 * The raw log file. A log that cannot be written must not kill the run: the
 * error is recorded and output keeps flowing to the ring buffer and listeners.
 */
class LogSink {
  error: string | undefined;
  private drainWaiters: (() => void)[] = [];

  private constructor(private readonly stream: WriteStream | undefined) {
    stream?.on('error', (error) => {
      this.error ??= errorMessage(error);
      this.releaseWaiters();
    });
    stream?.on('drain', () => this.releaseWaiters());
  }

  static open(path: string | undefined): LogSink {
    if (path === undefined) return new LogSink(undefined);
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      const sink = new LogSink(undefined);
      sink.error = errorMessage(error);
      return sink;
    }
    return new LogSink(createWriteStream(path, { flags: 'a' }));
  }

  write(chunk: Buffer | string): void {
    if (this.stream !== undefined && this.error === undefined) this.stream.write(chunk);
  }

  /** True while the file lags behind: callers pause until onDrain fires. */
  get full(): boolean {
    return this.stream !== undefined && this.error === undefined && this.stream.writableNeedDrain;
  }

  onDrain(callback: () => void): void {
    if (this.stream === undefined || this.error !== undefined) callback();
    else this.drainWaiters.push(callback);
  }

  /** Resolves once every byte is on disk and the file is closed. */
  async close(): Promise<void> {
    if (this.stream === undefined) return;
    this.stream.end();
    try {
      await finished(this.stream);
    } catch (error) {
      this.error ??= errorMessage(error);
    }
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter();
  }
}
