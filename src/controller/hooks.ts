/**
 * Event hooks: the operator's commands run when something happens (a unit
 * failed, the run ended), each with the event as one JSON object on stdin
 * and its name in GAFFER_EVENT. A hook is the operator's own program, like a
 * check: it gets gaffer's environment. It never holds up the run: the bus
 * listener only queues, at most a few hooks run at once, each in its own
 * process group with a timeout, its output kept only as a short tail for the
 * warning a failed, hanging or missing hook becomes. At the end of the run
 * `drain` waits (at most one hook timeout) for those still queued or running,
 * so `run:ended` hooks get to run, then ends the rest.
 *
 * What hooks receive is what the event log holds: events that carry an
 * agent's or a check's output (reasons, details) were redacted when made.
 */
import type { EventBus } from '../events/bus.js';
import type { GafferEvent } from '../events/types.js';
import { errorMessage } from '../errors.js';
import { redact } from '../util/redact.js';
import { toTerminalText } from '../util/terminal-text.js';
import { runSupervised } from '../workers/supervised-process.js';
// The names live in hook-events.ts, so that the config's schema checks them without loading execa.
import type { HookEventName, HooksConfig } from './hook-events.js';

export { HOOK_EVENT_NAMES, type HookEventName, type HooksConfig } from './hook-events.js';

export interface HookRunnerOptions {
  hooks: HooksConfig;
  timeoutMs: number;
  graceMs: number;
  /** Where hooks run (the repository). */
  cwd: string;
  /** A hook failed, hung, could not start or was dropped. */
  warn: (runId: number | null, message: string) => void;
  /** Hooks running at once. */
  concurrency?: number;
  /** Hooks waiting to run; more are dropped with a warning. */
  maxQueued?: number;
}

interface HookJob {
  event: string;
  argv: string[];
  runId: number | null;
  input: string;
}

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_MAX_QUEUED = 200;
/** How much of a hook's output a warning quotes. */
const TAIL_BYTES = 2048;
const TAIL_LINES = 5;
const MAX_SHOWN_COMMAND = 80;
/** How long past a hook's timeout and kill grace the end of the run waits for it. */
const DRAIN_SLACK_MS = 2500;

export class HookRunner {
  private readonly queue: HookJob[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly stop = new AbortController();
  private closing = false;
  private dropped = 0;
  private idle: (() => void) | undefined;
  private readonly pendingWarnings = new Set<Promise<void>>();

  constructor(private readonly options: HookRunnerOptions) {}

  /** True when any hook is configured. */
  get enabled(): boolean {
    return Object.values(this.options.hooks).some((commands) => commands.length > 0);
  }

  /** Queues the hooks of each event on the bus; returns the unsubscribe. */
  attach(bus: EventBus): () => void {
    return bus.onAny((event) => this.onEvent(event));
  }

  onEvent(event: GafferEvent): void {
    if (this.closing || isHookWarning(event)) return;
    const names: string[] = [event.type];
    if (event.type === 'unit:state') names.push(`unit:${event.payload.to}`);
    const runId = 'runId' in event.payload ? event.payload.runId : null;
    for (const name of names) {
      const commands = this.options.hooks[name as HookEventName] ?? [];
      if (commands.length === 0) continue;
      const input = `${JSON.stringify({ event: name, at: event.at, ...event.payload })}\n`;
      for (const argv of commands) this.enqueue({ event: name, argv, runId, input });
    }
  }

  /**
   * Waits for queued and running hooks, at most one hook timeout (plus the
   * kill grace), then ends what is left; queues nothing more.
   */
  async drain(): Promise<void> {
    this.closing = true;
    // A running hook ends itself by then (its timeout, the kill grace, its pipes closing).
    const deadline = this.options.timeoutMs + this.options.graceMs + DRAIN_SLACK_MS;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), deadline);
    });
    try {
      const finished = await Promise.race([this.whenIdle(), expired]);
      if (finished === 'expired') {
        const left = this.queue.splice(0);
        for (const job of left) {
          this.options.warn(
            job.runId,
            `hook ${describeHook(job)} did not run: the run ended and hooks had ${formatMs(deadline)} to finish`,
          );
        }
        this.stop.abort();
        await Promise.allSettled([...this.running]);
      }
    } finally {
      clearTimeout(timer);
    }
    await Promise.allSettled([...this.pendingWarnings]);
  }

  private whenIdle(): Promise<'idle'> {
    if (this.queue.length === 0 && this.running.size === 0) return Promise.resolve('idle');
    return new Promise((resolve) => {
      this.idle = () => resolve('idle');
    });
  }

  private enqueue(job: HookJob): void {
    if (this.queue.length >= (this.options.maxQueued ?? DEFAULT_MAX_QUEUED)) {
      this.dropped += 1;
      // One warning per burst, not one per dropped hook (which could feed a supervisor:warning hook).
      if (this.dropped === 1) {
        this.warnLater(
          job.runId,
          `hook ${describeHook(job)} was dropped: ${this.queue.length} hooks are already waiting (they run slower than events come)`,
        );
      }
      return;
    }
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    const limit = this.options.concurrency ?? DEFAULT_CONCURRENCY;
    while (this.running.size < limit && this.queue.length > 0 && !this.stop.signal.aborted) {
      const job = this.queue.shift();
      if (job === undefined) break;
      const run: Promise<void> = this.run(job)
        .catch((error: unknown) =>
          this.options.warn(job.runId, `hook ${describeHook(job)} failed: ${errorMessage(error)}`),
        )
        .finally(() => {
          this.running.delete(run);
          if (this.queue.length === 0) this.dropped = 0;
          this.pump();
          if (this.queue.length === 0 && this.running.size === 0) {
            const idle = this.idle;
            this.idle = undefined;
            idle?.();
          }
        });
      this.running.add(run);
    }
  }

  private async run(job: HookJob): Promise<void> {
    const [command = '', ...args] = job.argv;
    const tail = new OutputTail();
    const result = await runSupervised({
      command,
      args,
      cwd: this.options.cwd,
      env: { GAFFER_EVENT: job.event, ...(job.runId !== null ? { GAFFER_RUN_ID: String(job.runId) } : {}) },
      stdinText: job.input,
      timeoutMs: this.options.timeoutMs,
      graceMs: this.options.graceMs,
      signal: this.stop.signal,
      onLine: (line) => tail.push(line),
    });
    const output = tail.text();
    const said = output === '' ? '' : `; its last output: ${output}`;
    const hook = describeHook(job);
    switch (result.outcome) {
      case 'exited':
        if (result.exitCode !== 0)
          this.warnLater(job.runId, `hook ${hook} exited with code ${result.exitCode ?? 'none'}${said}`);
        return;
      case 'timed-out':
        this.warnLater(
          job.runId,
          `hook ${hook} did not finish within ${formatMs(this.options.timeoutMs)} (hookTimeoutMs); its process group was ended${said}`,
        );
        return;
      case 'killed':
        this.warnLater(
          job.runId,
          `hook ${hook} was ended: the run had ended and hooks had ${formatMs(this.options.timeoutMs + this.options.graceMs + DRAIN_SLACK_MS)} to finish${said}`,
        );
        return;
      case 'spawn-failed':
        this.warnLater(job.runId, `hook ${hook} could not start: ${result.spawnError ?? 'unknown error'}`);
        return;
      default: {
        const unreachable: never = result.outcome;
        return unreachable;
      }
    }
  }

  /** Warnings are themselves events: never said from inside the listener that is delivering one. */
  private warnLater(runId: number | null, message: string): void {
    const said: Promise<void> = new Promise<void>((resolve) => {
      setImmediate(() => {
        try {
          this.options.warn(runId, message);
        } catch {
          // Nowhere left to say it (the store failed): the run ends through its own path.
        }
        resolve();
      });
    }).finally(() => this.pendingWarnings.delete(said));
    this.pendingWarnings.add(said);
  }
}

/** Whether a `supervisor:warning` came from a hook: hooks on warnings do not run for those (no loop). */
export function isHookWarning(event: GafferEvent): boolean {
  return event.type === 'supervisor:warning' && event.payload.message.startsWith('hook `');
}

/** The hook as the operator wrote it, on one line and short enough to read (an inline script can be long). */
function describeHook(job: HookJob): string {
  const command = toTerminalText(job.argv.join(' '));
  const shown = command.length > MAX_SHOWN_COMMAND ? `${command.slice(0, MAX_SHOWN_COMMAND - 1)}…` : command;
  return `\`${shown}\` (on ${job.event})`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/** The last few lines of a hook's output, bounded in bytes whatever it prints. */
class OutputTail {
  private lines: string[] = [];

  push(line: string): void {
    const text = redact(toTerminalText(line.slice(-TAIL_BYTES)));
    if (text.trim() === '') return;
    this.lines.push(text);
    if (this.lines.length > TAIL_LINES) this.lines.shift();
  }

  text(): string {
    return this.lines.join(' | ').slice(-TAIL_BYTES);
  }
}
