import fs from 'node:fs';
import path from 'node:path';
import type { AttemptOutcome, HandoffState } from '../events/types.js';
import { buildInvocation, type AgentConfig } from './agents/index.js';
import type { AgentFailure, AgentFailureKind, LineReading, Usage } from './agents/types.js';
import type { AttemptPlace } from '../hosts/worker-host.js';
import { attemptVariables } from './agent-env.js';
import { HandoffScanner, type HandoffResult } from './handoff.js';
import type { RingBuffer } from './ring-buffer.js';

export interface AttemptSpec {
  runId: number;
  unit: { id: string; title: string; prompt: string };
  attempt: number;
  agent: AgentConfig;
  timeoutMs: number;
  graceMs: number;
  /** The whole prompt the agent gets (see prompt.ts). */
  prompt: string;
  /** Ended as infrastructure when the tool shows only retry or reconnect events this long. */
  stallMs: number;
  /** A warm retry: the tool's session to resume. */
  resumeSessionId?: string;
  /** The attempt's share of a cost budget, for tools with a budget flag. */
  maxBudgetUsd?: number;
  /** Usage so far, each time the tool reports more (budgets mid-attempt). */
  onUsage?: (usage: Usage) => void;
  /** The attempt's slot, on this machine or a worker host: where its commands run and its commits come from. */
  place: AttemptPlace;
  baseCommit: string;
  logPath: string;
  promptPath: string;
  ring: RingBuffer;
  redact: (line: string) => string;
  onLine: (line: string) => void;
  /** The text each line carries as the tool's reader reads it (a stream-json event's message, a plain line as is). */
  onText?: (text: string) => void;
  onSpawn: (pid: number) => void;
  signal: AbortSignal;
}

export interface AttemptReport {
  outcome: Exclude<AttemptOutcome, 'running' | 'reaped'>;
  /** The tip of the attempt's branch when it ended. */
  head: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  commits: number;
  handoff: HandoffState;
  handoffJson: string | null;
  /** Why it ended the way it did, in words for the operator and the next prompt. */
  reason: string;
  /** The tool's session id, when it printed one. */
  sessionId: string | null;
  usage: Usage | null;
  /** The class of the agent's failure when the tool reported one (auth stops the run; see AgentFailureKind). */
  failureKind: AgentFailureKind | null;
  /** Set when its host went away under it (outcome 'error', no strike): why. */
  hostLost?: string;
}

/**
 * One run of an agent in its workspace. Judged by, in order: how the process
 * ended, the handoff it printed (if valid), and the commits gaffer fetched
 * from the workspace onto its branch.
 */
export async function runAttempt(spec: AttemptSpec): Promise<AttemptReport> {
  // Asynchronous: on a busy disk a synchronous create and write held the supervisor's event loop for ms.
  await fs.promises.mkdir(path.dirname(spec.promptPath), { recursive: true });
  await fs.promises.writeFile(spec.promptPath, spec.prompt);
  const { place } = spec;
  const promptFile = await place.placePrompt(spec.promptPath, spec.prompt);
  const invocation = buildInvocation(spec.agent, {
    prompt: spec.prompt,
    promptFile,
    workdir: place.workspace.path,
    unitId: spec.unit.id,
    attempt: spec.attempt,
    ...(spec.resumeSessionId !== undefined ? { resumeSessionId: spec.resumeSessionId } : {}),
    ...(spec.maxBudgetUsd !== undefined ? { maxBudgetUsd: spec.maxBudgetUsd } : {}),
  });
  const { stream } = invocation;
  const scanner = new HandoffScanner();
  const stall = new StallWatch(spec.stallMs, spec.signal);
  const env = place.environment(spec.agent, {
    ...attemptVariables({
      runId: spec.runId,
      unitId: spec.unit.id,
      attempt: spec.attempt,
      workspace: place.workspace.path,
    }),
    GAFFER_PROMPT_FILE: promptFile,
  });
  let lastUsage: Usage | null = null;
  let result: Awaited<ReturnType<AttemptPlace['run']>>;
  try {
    result = await place.run({
      command: invocation.command,
      args: invocation.args,
      env,
      stdinText: invocation.stdinText,
      timeoutMs: spec.timeoutMs,
      graceMs: spec.graceMs,
      logPath: spec.logPath,
      ring: spec.ring,
      redact: spec.redact,
      signal: stall.signal,
      onSpawn: spec.onSpawn,
      onLine: (line) => {
        const reading = stream.read(line);
        stall.saw(reading);
        if (reading.text !== '') {
          for (const part of reading.text.split('\n')) scanner.feed(part);
          spec.onText?.(reading.text);
        }
        const usage = stream.usage();
        if (usage && spec.onUsage && !sameUsage(usage, lastUsage)) {
          lastUsage = usage;
          spec.onUsage(usage);
        }
        spec.onLine(line);
      },
    });
  } finally {
    stall.stop();
  }
  if (result.lost !== undefined) return hostLostReport(spec, result, result.lost);
  const summary = stream.finish({ exitCode: result.outcome === 'exited' ? result.exitCode : null });
  const failure: AgentFailure | null = stall.verdict() ?? summary.failure;
  const handoff = scanner.result();
  let leftovers: string | undefined;
  if (result.outcome === 'exited' && result.exitCode === 0 && failure === null && spec.agent.autoCommit) {
    leftovers = await commitLeftovers(
      spec,
      env,
      `${spec.unit.id}: ${spec.unit.title} (attempt ${spec.attempt})`,
    );
  }
  const collected = await place.collect(spec.baseCommit);
  const commits = collected.commits;
  const base = {
    head: collected.tip,
    exitCode: result.exitCode,
    signal: result.signal,
    durationMs: Math.round(result.durationMs),
    commits,
    handoff: handoff.status,
    handoffJson: handoffJson(handoff),
    sessionId: summary.sessionId,
    usage: summary.usage,
    failureKind: failure?.kind ?? null,
  };
  // The tool's own verdict wins over its exit code (Claude Code exits 0 with is_error: true).
  if (
    failure !== null &&
    (failure.kind === 'error' || failure.kind === 'crashed') &&
    spec.resumeSessionId !== undefined &&
    summary.sessionId === null &&
    result.outcome === 'exited'
  ) {
    // A warm retry whose session is gone (another machine, a cleared home): the tool never started
    // a session. Not the agent's failure: the next attempt starts cold.
    return {
      ...base,
      outcome: 'error',
      failureKind: null,
      reason: `the agent could not resume session ${spec.resumeSessionId}: "${spec.redact(failure.message)}"; the next attempt starts cold`,
    };
  }
  if (failure !== null && (stall.verdict() !== null || result.outcome === 'exited'))
    return { ...base, ...judgeFailure({ ...failure, message: spec.redact(failure.message) }) };
  if (leftovers !== undefined) {
    // Its edits could not be committed (no git identity, a broken workspace): gaffer's side, no strike.
    return { ...base, outcome: 'error', reason: `its changes could not be committed: ${leftovers}` };
  }
  if (!collected.ok && result.outcome === 'exited')
    return { ...base, outcome: 'failed', reason: collected.reason };
  return {
    ...base,
    ...judge(result.outcome, result.exitCode, result.spawnError, handoff, commits, spec.timeoutMs),
  };
}

/** The host went away while the agent ran: infrastructure, no strike; the unit runs again elsewhere. */
function hostLostReport(
  spec: AttemptSpec,
  result: { exitCode: number | null; signal: string | null; durationMs: number },
  why: string,
): AttemptReport {
  return {
    outcome: 'error',
    head: spec.baseCommit,
    exitCode: result.exitCode,
    signal: result.signal,
    durationMs: Math.round(result.durationMs),
    commits: 0,
    handoff: 'missing',
    handoffJson: null,
    reason: `its host ${spec.place.host} was lost: ${spec.redact(why)}; it runs again elsewhere`,
    sessionId: null,
    usage: null,
    failureKind: null,
    hostLost: why,
  };
}

/** Failures that cost no strike: configuration (auth) and infrastructure (rate limit, overload, stall). */
export function isNoStrikeFailure(kind: AgentFailureKind | null): boolean {
  return kind === 'auth' || kind === 'rate-limit' || kind === 'overloaded' || kind === 'stalled';
}

/** The tool's own verdict, quoted: auth and infrastructure cost no strike; the rest is the agent's failure. */
function judgeFailure(failure: AgentFailure): Pick<AttemptReport, 'outcome' | 'reason'> {
  const quoted = `"${failure.message}"`;
  switch (failure.kind) {
    case 'auth':
      return { outcome: 'error', reason: `the agent cannot authenticate: ${quoted}` };
    case 'rate-limit':
      return { outcome: 'error', reason: `the agent was rate limited: ${quoted}` };
    case 'overloaded':
      return { outcome: 'error', reason: `the agent's API is overloaded: ${quoted}` };
    case 'stalled':
      return { outcome: 'error', reason: `the agent made no progress: ${failure.message}` };
    case 'max-turns':
      return { outcome: 'failed', reason: `the agent reached its turn limit: ${quoted}` };
    case 'budget':
      return { outcome: 'failed', reason: `the agent reached its budget: ${quoted}` };
    case 'error':
      return { outcome: 'failed', reason: `the agent reported an error: ${quoted}` };
    case 'crashed':
      return { outcome: 'failed', reason: `the agent crashed: ${quoted}` };
    default: {
      const unreachable: never = failure.kind;
      return unreachable;
    }
  }
}

function sameUsage(a: Usage, b: Usage | null): boolean {
  return (
    b !== null &&
    a.inputTokens === b.inputTokens &&
    a.outputTokens === b.outputTokens &&
    a.cachedTokens === b.cachedTokens &&
    a.costUsd === b.costUsd
  );
}

/**
 * Ends an attempt whose tool shows only retry or reconnect notices for
 * `stallMs` since its last progress; silence alone is not a stall (a tool
 * may think quietly for a long time).
 */
class StallWatch {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private lastProgress = performance.now();
  private waitingNote: string | undefined;
  private authNote: string | undefined;
  private stalled = false;

  constructor(
    private readonly stallMs: number,
    outer: AbortSignal,
  ) {
    if (outer.aborted) this.controller.abort(outer.reason);
    else outer.addEventListener('abort', () => this.controller.abort(outer.reason), { once: true });
    this.timer = setInterval(() => this.check(), Math.min(1000, Math.max(50, stallMs / 4)));
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  saw({ activity, note, noteKind }: LineReading): void {
    if (activity === 'progress') {
      this.lastProgress = performance.now();
      this.waitingNote = undefined;
    } else if (activity === 'waiting') {
      this.waitingNote = note ?? this.waitingNote ?? 'a retry notice';
      if (noteKind === 'auth' && !this.stalled) {
        // Retrying cannot fix a key: end it now, as the configuration error it is.
        this.authNote = this.waitingNote;
        this.stalled = true;
        this.controller.abort(new Error(`the agent cannot authenticate: ${this.authNote}`));
        return;
      }
      this.check();
    }
  }

  /** The watch's own verdict: a login problem seen in a retry notice, or a stall; null when neither. */
  verdict(): AgentFailure | null {
    if (this.authNote !== undefined) return { kind: 'auth', message: this.authNote };
    return this.stalled ? { kind: 'stalled', message: this.describe() } : null;
  }

  describe(): string {
    const seconds = Math.round(this.stallMs / 1000);
    return `only retry or reconnect notices for ${seconds} s; the last: "${this.waitingNote ?? ''}"`;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(): void {
    if (this.stalled || this.waitingNote === undefined) return;
    if (performance.now() - this.lastProgress < this.stallMs) return;
    this.stalled = true;
    this.controller.abort(new Error(`the agent stalled: ${this.describe()}`));
  }
}

function judge(
  outcome: 'exited' | 'timed-out' | 'killed' | 'spawn-failed',
  exitCode: number | null,
  spawnError: string | undefined,
  handoff: HandoffResult,
  commits: number,
  timeoutMs: number,
): Pick<AttemptReport, 'outcome' | 'reason'> {
  switch (outcome) {
    case 'timed-out':
      return {
        outcome: 'timed-out',
        reason: `timed out after ${Math.round(timeoutMs / 1000)} s; its process group was ended`,
      };
    case 'killed':
      return { outcome: 'killed', reason: 'killed' };
    case 'spawn-failed':
      return {
        outcome: 'failed',
        reason: `the agent could not be started: ${spawnError ?? 'unknown error'}`,
      };
    case 'exited':
      break;
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }
  const note = handoffNote(handoff);
  if (exitCode !== 0)
    return { outcome: 'failed', reason: `the agent exited with code ${exitCode ?? 'none'}${note}` };
  if (
    handoff.status === 'valid' &&
    (handoff.handoff.status === 'failed' || handoff.handoff.status === 'blocked')
  ) {
    return {
      outcome: 'failed',
      reason: `the agent reported ${handoff.handoff.status}: ${handoff.handoff.summary}`,
    };
  }
  if (commits === 0) return { outcome: 'failed', reason: `the agent exited 0 but made no commits${note}` };
  return { outcome: 'handed-off', reason: `${commits} commit${commits === 1 ? '' : 's'}${note}` };
}

function handoffNote(handoff: HandoffResult): string {
  switch (handoff.status) {
    case 'valid':
      return `; handoff: ${handoff.handoff.status}`;
    case 'missing':
      return '; no handoff printed';
    case 'malformed':
      return `; malformed handoff (${handoff.error})`;
    default: {
      const unreachable: never = handoff;
      return unreachable;
    }
  }
}

function handoffJson(handoff: HandoffResult): string | null {
  if (handoff.status === 'valid') return JSON.stringify(handoff.handoff);
  if (handoff.status === 'malformed')
    return JSON.stringify({ error: handoff.error, raw: handoff.raw.slice(0, 2000) });
  return null;
}

/**
 * Commits what an agent that leaves its edits uncommitted changed. Runs as the
 * agent (its environment, its process marks, in its workspace): whatever the
 * agent configured there (hooks, filters, fsmonitor) runs with what the agent
 * already had, never with gaffer's environment. Returns why it failed, if it did.
 */
async function commitLeftovers(
  spec: AttemptSpec,
  env: Record<string, string | undefined>,
  message: string,
): Promise<string | undefined> {
  const step = async (args: string[]): Promise<{ code: number | null; text: string }> => {
    const lines: string[] = [];
    const result = await spec.place.run({
      command: 'git',
      args,
      env: { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
      timeoutMs: 120_000,
      graceMs: spec.graceMs,
      redact: spec.redact,
      onLine: (line) => {
        if (lines.length < 20) lines.push(line);
      },
      signal: spec.signal,
    });
    return {
      code: result.outcome === 'exited' ? result.exitCode : null,
      text: lines.join(' ').trim() || result.outcome,
    };
  };
  const added = await step(['add', '-A']);
  if (added.code !== 0) return `git add failed: ${added.text}`;
  const staged = await step(['diff', '--cached', '--quiet']);
  if (staged.code === 0) return undefined;
  const committed = await step(['commit', '--no-verify', '--quiet', '-m', message]);
  return committed.code === 0 ? undefined : `git commit failed: ${committed.text}`;
}
