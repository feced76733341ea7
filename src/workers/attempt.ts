import fs from 'node:fs';
import path from 'node:path';
import type { AttemptOutcome, HandoffState } from '../events/types.js';
import { commitsSince, git } from '../git/git.js';
import { buildInvocation, type AgentConfig } from './agents.js';
import { HandoffScanner, type HandoffResult } from './handoff.js';
import { buildPrompt } from './prompt.js';
import type { RingBuffer } from './ring-buffer.js';
import { runSupervised } from './supervised-process.js';
import type { Workspace } from './workspaces.js';

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
 * One run of an agent in its worktree. Judged by, in order: how the process
 * ended, the handoff it printed (if valid), and the commits on its branch.
 */
export async function runAttempt(spec: AttemptSpec): Promise<AttemptReport> {
  const prompt = buildPrompt(spec.unit, spec.feedback);
  fs.mkdirSync(path.dirname(spec.promptPath), { recursive: true });
  fs.writeFileSync(spec.promptPath, prompt);
  const invocation = buildInvocation(spec.agent, prompt, spec.promptPath);
  const scanner = new HandoffScanner();
  const result = await runSupervised({
    command: invocation.command,
    args: invocation.args,
    cwd: spec.workspace.path,
    env: {
      ...process.env,
      ...spec.agent.env,
      GAFFER_RUN_ID: String(spec.runId),
      GAFFER_UNIT_ID: spec.unit.id,
      GAFFER_ATTEMPT: String(spec.attempt),
      GAFFER_PROMPT_FILE: spec.promptPath,
      GAFFER_WORKTREE: spec.workspace.path,
    },
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
  if (result.outcome === 'exited' && result.exitCode === 0 && spec.agent.autoCommit) {
    await commitLeftovers(
      spec.workspace.path,
      `${spec.unit.id}: ${spec.unit.title} (attempt ${spec.attempt})`,
    );
  }
  const { count: commits, tip: head } = await commitsSince(spec.workspace.path, spec.baseCommit);
  const base = {
    head,
    exitCode: result.exitCode,
    signal: result.signal,
    durationMs: Math.round(result.durationMs),
    commits,
    handoff: handoff.status,
    handoffJson: handoffJson(handoff),
  };
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

async function commitLeftovers(worktree: string, message: string): Promise<void> {
  const status = await git(worktree, ['status', '--porcelain']);
  if (status.trim() === '') return;
  await git(worktree, ['add', '-A']);
  await git(worktree, ['commit', '--no-verify', '-m', message]);
}
