import fs from 'node:fs';
import path from 'node:path';
import type { AttemptOutcome, HandoffState } from '../events/types.js';
import { buildInvocation, type AgentConfig } from './agents.js';
import { agentEnvironment, replacingEnvironment } from './agent-env.js';
import { HandoffScanner, type HandoffResult } from './handoff.js';
import { buildPrompt } from './prompt.js';
import type { RingBuffer } from './ring-buffer.js';
import { runSupervised } from './supervised-process.js';
import type { Collected, Workspace } from './workspaces.js';

export interface AttemptSpec {
  runId: number;
  unit: { id: string; title: string; prompt: string };
  attempt: number;
  agent: AgentConfig;
  timeoutMs: number;
  graceMs: number;
  feedback: string;
  workspace: Workspace;
  baseCommit: string;
  logPath: string;
  promptPath: string;
  ring: RingBuffer;
  redact: (line: string) => string;
  onLine: (line: string) => void;
  onSpawn: (pid: number) => void;
  signal: AbortSignal;
  /** Brings the attempt's commits into the user's repository (see Workspaces.collect). */
  collect: () => Promise<Collected>;
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
}

/**
 * One run of an agent in its workspace. Judged by, in order: how the process
 * ended, the handoff it printed (if valid), and the commits gaffer fetched
 * from the workspace onto its branch.
 */
export async function runAttempt(spec: AttemptSpec): Promise<AttemptReport> {
  const prompt = buildPrompt(spec.unit, spec.feedback);
  fs.mkdirSync(path.dirname(spec.promptPath), { recursive: true });
  fs.writeFileSync(spec.promptPath, prompt);
  const invocation = buildInvocation(spec.agent, prompt, spec.promptPath);
  const scanner = new HandoffScanner();
  // runSupervised merges this over gaffer's own environment: replacingEnvironment sets every
  // variable the agent may not see to undefined, which removes it (see agent-env.ts).
  const env = replacingEnvironment(process.env, {
    ...agentEnvironment(spec.agent, process.env),
    GAFFER_RUN_ID: String(spec.runId),
    GAFFER_UNIT_ID: spec.unit.id,
    GAFFER_ATTEMPT: String(spec.attempt),
    GAFFER_PROMPT_FILE: spec.promptPath,
    GAFFER_WORKTREE: spec.workspace.path,
  });
  const result = await runSupervised({
    command: invocation.command,
    args: invocation.args,
    cwd: spec.workspace.path,
    env,
    stdinText: invocation.stdinText,
    timeoutMs: spec.timeoutMs,
    graceMs: spec.graceMs,
    logPath: spec.logPath,
    ring: spec.ring,
    redact: spec.redact,
    signal: spec.signal,
    onSpawn: spec.onSpawn,
    onLine: (line) => {
      const text = invocation.decodeLine(line);
      if (text !== '') for (const part of text.split('\n')) scanner.feed(part);
      spec.onLine(line);
    },
  });
  const handoff = scanner.result();
  let leftovers: string | undefined;
  if (result.outcome === 'exited' && result.exitCode === 0 && spec.agent.autoCommit) {
    leftovers = await commitLeftovers(
      spec,
      env,
      `${spec.unit.id}: ${spec.unit.title} (attempt ${spec.attempt})`,
    );
  }
  const collected = await spec.collect();
  const commits = collected.commits;
  const base = {
    head: collected.tip,
    exitCode: result.exitCode,
    signal: result.signal,
    durationMs: Math.round(result.durationMs),
    commits,
    handoff: handoff.status,
    handoffJson: handoffJson(handoff),
  };
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
    const result = await runSupervised({
      command: 'git',
      args,
      cwd: spec.workspace.path,
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
