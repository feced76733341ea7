import fs from 'node:fs';
import path from 'node:path';
import type { AgentConfig } from '../config/schema.js';
import { ExitCode, GafferError } from '../errors.js';
import { describeSource } from '../git/source-repo.js';
import { IsolatedWorkspace } from '../git/isolated-workspace.js';
import { excludeFromGit, prepareStateDir } from '../state-dir.js';
import { redact } from '../util/redact.js';
import type { AgentFailureKind } from '../workers/agents/types.js';
import { localPlace } from '../hosts/local-host.js';
import { runAttempt, type AttemptReport } from '../workers/attempt.js';
import { RingBuffer } from '../workers/ring-buffer.js';

/**
 * One question to an agent, outside any run: the planner and the discovery
 * agent. The agent runs through the same adapter, reader, stall watch and
 * log as a unit's attempt, in a throwaway checkout of `baseCommit` (a
 * detached, isolated workspace that shares no refs with the repository),
 * removed afterwards whatever happened. Its answer is the text it printed;
 * anything it commits is thrown away with the checkout.
 */

export interface AskSpec {
  /** Names the log, prompt and checkout: `planner`, `discovery`. */
  label: string;
  agent: AgentConfig;
  prompt: string;
  repo: string;
  baseCommit: string;
  stateDir: string;
  timeoutMs: number;
  stallMs: number;
  graceMs: number;
  signal: AbortSignal;
  /** Every line the tool printed (redacted), as it comes. */
  onLine?: (line: string) => void;
}

export interface AskResult {
  /** The text lines the tool's reader produced (redacted): the last MAX_ANSWER_BYTES of them. */
  lines: string[];
  /** True when earlier lines were dropped to stay within MAX_ANSWER_BYTES. */
  truncated: boolean;
  logPath: string;
  report: Pick<AttemptReport, 'outcome' | 'reason' | 'failureKind' | 'usage' | 'exitCode' | 'durationMs'>;
}

/** What is kept of an answer; the log file has all of it. */
export const MAX_ANSWER_BYTES = 2 * 1024 * 1024;

/** The agent could not answer: not logged in, crashed, timed out, interrupted. */
export class AgentQueryError extends GafferError {
  constructor(
    message: string,
    readonly failureKind: AgentFailureKind | null,
    readonly logPath: string,
  ) {
    super(message, 'agent-query', failureKind === 'auth' ? ExitCode.agentAuth : ExitCode.plan);
  }
}

/**
 * Runs `spec.agent` once on `spec.prompt` and returns what it printed. Throws
 * AgentQueryError when the tool failed (its own message quoted), timed out or
 * was interrupted; an answer that is only prose is the caller's to judge.
 */
export async function askAgent(spec: AskSpec): Promise<AskResult> {
  const repo = path.resolve(spec.repo);
  prepareStateDir(repo, spec.stateDir);
  await excludeFromGit(repo, spec.stateDir);
  const number = nextQueryNumber(spec.stateDir, spec.label);
  const name = `${spec.label}-${number}`;
  const logPath = path.join(spec.stateDir, 'logs', 'planning', `${name}.log`);
  fs.mkdirSync(path.dirname(logPath), { recursive: true });
  const source = await describeSource(repo);
  const checkout = new IsolatedWorkspace(path.join(spec.stateDir, 'planning', name), source, {
    indexCopy: path.join(spec.stateDir, 'index', `planning-${name}.index`),
  });
  const answer = new BoundedLines(MAX_ANSWER_BYTES);
  let report: AttemptReport;
  try {
    await checkout.checkout(spec.baseCommit);
    checkout.markForeign();
    report = await runAttempt({
      runId: 0,
      unit: { id: spec.label, title: spec.label, prompt: spec.prompt },
      attempt: number,
      // Nothing it changes is kept: committing its leftovers would only cost time.
      agent: { ...spec.agent, autoCommit: false },
      timeoutMs: spec.timeoutMs,
      graceMs: spec.graceMs,
      stallMs: spec.stallMs,
      prompt: spec.prompt,
      place: localPlace({ branch: 'HEAD', path: checkout.path }, () =>
        Promise.resolve({ ok: true, tip: spec.baseCommit, commits: 0 }),
      ),
      baseCommit: spec.baseCommit,
      logPath,
      promptPath: path.join(spec.stateDir, 'prompts', 'planning', `${name}.md`),
      ring: new RingBuffer({ maxLines: 200, maxBytes: 64 * 1024 }),
      redact,
      onLine: (line) => spec.onLine?.(line),
      onText: (text) => answer.push(text),
      onSpawn: () => undefined,
      signal: spec.signal,
    });
  } finally {
    await checkout.discard();
  }
  const failure = queryFailure(spec, report);
  if (failure !== undefined)
    throw new AgentQueryError(`${failure}; its log: ${logPath}`, report.failureKind, logPath);
  return {
    lines: answer.lines,
    truncated: answer.truncated,
    logPath,
    report: {
      outcome: report.outcome,
      reason: report.reason,
      failureKind: report.failureKind,
      usage: report.usage,
      exitCode: report.exitCode,
      durationMs: report.durationMs,
    },
  };
}

/**
 * Why the query produced no usable answer, or undefined when the tool ended
 * well. A query makes no commits, so "no commits" (which fails a unit) is no
 * failure here: the exit code and the tool's own verdict decide.
 */
function queryFailure(spec: AskSpec, report: AttemptReport): string | undefined {
  const who = `the ${spec.label} agent (${describeAgent(spec.agent)})`;
  if (report.failureKind === 'auth') {
    return `${who} cannot authenticate: ${report.reason.replace(/^the agent cannot authenticate: /, '')}. Log in to the tool (or set its API key) and check with \`gaffer doctor\``;
  }
  if (report.failureKind !== null) return `${who} failed: ${report.reason}`;
  switch (report.outcome) {
    case 'timed-out':
      return `${who} ${report.reason}; raise its timeoutMs in the config if it needs longer`;
    case 'killed':
      return `${who} was interrupted before it answered`;
    case 'error':
      return `${who} could not run: ${report.reason}`;
    case 'failed':
    case 'handed-off':
      return report.exitCode === 0 ? undefined : `${who} failed: ${report.reason}`;
    default: {
      const unreachable: never = report.outcome;
      return unreachable;
    }
  }
}

function describeAgent(agent: AgentConfig): string {
  return agent.kind === 'command' || agent.kind === 'scripted'
    ? agent.kind
    : `${agent.kind}, "${agent.command}"`;
}

/** The first free number for `label` among the logs already there: each query keeps its own log. */
function nextQueryNumber(stateDir: string, label: string): number {
  let names: string[] = [];
  try {
    names = fs.readdirSync(path.join(stateDir, 'logs', 'planning'));
  } catch {
    // No query yet.
  }
  const pattern = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)\\.log$`);
  const taken = names.map((file) => Number(pattern.exec(file)?.[1] ?? 0));
  return Math.max(0, ...taken) + 1;
}

/**
 * The last lines within a byte budget: an agent's answer comes at the end of
 * what it printed, so older lines are dropped first. O(1) per line.
 */
class BoundedLines {
  truncated = false;
  private readonly kept: string[] = [];
  private first = 0;
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get lines(): string[] {
    return this.kept.slice(this.first);
  }

  push(text: string): void {
    for (const line of text.split('\n')) {
      const size = Buffer.byteLength(line) + 1;
      if (size > this.maxBytes) {
        this.truncated = true;
        continue;
      }
      this.kept.push(line);
      this.bytes += size;
      while (this.bytes > this.maxBytes) {
        this.bytes -= Buffer.byteLength(this.kept[this.first] ?? '') + 1;
        this.first += 1;
        this.truncated = true;
      }
      if (this.first > 4096 && this.first * 2 > this.kept.length) {
        this.kept.splice(0, this.first);
        this.first = 0;
      }
    }
  }
}
