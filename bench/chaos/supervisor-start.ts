/**
 * One start of the real CLI (`gaffer run --headless --json`), optionally
 * killed: at a named step (GAFFER_CHAOS_STEP, see src/util/chaos-step.ts:
 * the supervisor says `gaffer-chaos: holding at <step>` and holds still), at
 * the n-th event of a type on stdout, or after a delay. The supervisor leads
 * its own process group, as a shell's job would.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { ChaosStep } from '../../src/util/chaos-step.js';
import { killSupervisor, type KillMode } from './processes.js';

export type KillTrigger =
  | { kind: 'step'; step: ChaosStep; occurrence: number }
  | { kind: 'event'; event: string; occurrence: number }
  | { kind: 'delay'; ms: number };

export interface PlannedKill {
  mode: KillMode;
  trigger: KillTrigger;
}

export interface StartOptions {
  cli: string;
  configPath: string;
  /** Carried in GAFFER_PROCESS_MARK by the supervisor and everything it starts. */
  token: string;
  kill?: PlannedKill;
  /** A start still running after this long has hung: its tree is killed. */
  timeoutMs: number;
  /** Files for the start's stdout and stderr. */
  stdoutPath: string;
  stderrPath: string;
  /** Extra environment (tests). */
  env?: NodeJS.ProcessEnv;
}

export interface StartOutcome {
  pid: number;
  /** The planned kill landed (a start that ended before its trigger was not killed). */
  killed: boolean;
  hung: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** Every JSON event on stdout, parsed, in order. */
  events: { type: string; [key: string]: unknown }[];
  durationMs: number;
}

/** How long a held supervisor holds: long enough to be killed, short enough to end a forgotten one. */
const HOLD_MS = 30_000;
const HOLDING = /gaffer-chaos: holding at ([a-z-]+)/;

export function describeKill(kill: PlannedKill): string {
  const { trigger } = kill;
  switch (trigger.kind) {
    case 'step':
      return `${kill.mode}@step:${trigger.step}:${trigger.occurrence}`;
    case 'event':
      return `${kill.mode}@event:${trigger.event}#${trigger.occurrence}`;
    case 'delay':
      return `${kill.mode}@delay:${trigger.ms}ms`;
    default: {
      const unreachable: never = trigger;
      return unreachable;
    }
  }
}

/** The environment of a start: ours without any chaos or mark setting, then the start's own. */
export function startEnvironment(
  token: string,
  kill: PlannedKill | undefined,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.GAFFER_CHAOS_STEP;
  delete env.GAFFER_CHAOS_HOLD_MS;
  env.GAFFER_PROCESS_MARK = token;
  if (kill?.trigger.kind === 'step') {
    env.GAFFER_CHAOS_STEP = `${kill.trigger.step}:${kill.trigger.occurrence}`;
    env.GAFFER_CHAOS_HOLD_MS = String(HOLD_MS);
  }
  return { ...env, ...extra };
}

export async function startSupervisor(options: StartOptions): Promise<StartOutcome> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [options.cli, 'run', '--config', options.configPath, '--headless', '--json'],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: startEnvironment(options.token, options.kill, options.env),
    },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.cli}`);
  const stdoutFile = fs.createWriteStream(options.stdoutPath);
  const stderrFile = fs.createWriteStream(options.stderrPath);
  const events: StartOutcome['events'] = [];
  const seen = new Map<string, number>();
  let stderr = '';
  let killed = false;
  let hung = false;
  const kill = options.kill;

  const killNow = (): void => {
    if (killed || kill === undefined || child.exitCode !== null) return;
    killed = true;
    killSupervisor(pid, kill.mode, options.token);
  };

  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdoutFile.write(chunk);
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      const event = parseEvent(line);
      if (event === undefined) continue;
      events.push(event);
      const count = (seen.get(event.type) ?? 0) + 1;
      seen.set(event.type, count);
      if (kill?.trigger.kind === 'event' && kill.trigger.event === event.type) {
        if (count === kill.trigger.occurrence) killNow();
      }
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrFile.write(chunk);
    stderr += chunk;
    const held = HOLDING.exec(stderr);
    if (kill?.trigger.kind === 'step' && held?.[1] === kill.trigger.step) killNow();
  });

  const delay = kill?.trigger.kind === 'delay' ? setTimeout(killNow, kill.trigger.ms) : undefined;
  const watchdog = setTimeout(() => {
    if (child.exitCode !== null) return;
    hung = true;
    killSupervisor(pid, 'tree', options.token);
  }, options.timeoutMs);

  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.once('exit', (code, name) => resolve([code, name]));
  });
  clearTimeout(delay);
  clearTimeout(watchdog);
  // Whatever the supervisor wrote before it died is still in the pipes.
  await Promise.race([
    new Promise((resolve) => child.stdout.once('close', resolve)),
    new Promise((resolve) => setTimeout(resolve, 2000)),
  ]);
  await Promise.all([
    new Promise((resolve) => stdoutFile.end(resolve)),
    new Promise((resolve) => stderrFile.end(resolve)),
  ]);
  return {
    pid,
    killed: killed && !hung,
    hung,
    exitCode,
    signal,
    stderr,
    events,
    durationMs: performance.now() - started,
  };
}

function parseEvent(line: string): StartOutcome['events'][number] | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    if (typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string')
      return value as StartOutcome['events'][number];
  } catch {
    // Not an event line.
  }
  return undefined;
}

/** A JavaScript stack trace in a start's stderr: gaffer crashed instead of saying what went wrong. */
export function hasStackTrace(stderr: string): boolean {
  return /^\s+at .+(:\d+:\d+\)?|\(native\)|\(<anonymous>\))$/m.test(stderr);
}
