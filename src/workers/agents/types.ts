/**
 * What every agent adapter provides: the argv gaffer builds for its tool, and
 * a reader of the tool's output that turns each line into text (where the
 * handoff is found), says whether the line is progress, and at the end gives
 * the session, the usage and the tool's own failure verdict.
 */
import type { Config } from '../../config/schema.js';

export type AgentConfig = Config['agent'];
export type AgentKind = AgentConfig['kind'];

/** What an attempt used, as the tool reported it; zeros where it reports nothing. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Prompt-cache reads and writes, when the tool reports them (already counted in neither field above). */
  cachedTokens: number;
  /** What the tool says the attempt cost in US dollars; null when it does not say. */
  costUsd: number | null;
}

/**
 * How an agent's failure is classified:
 * - auth: not logged in, an invalid or missing key: configuration; the run stops before
 *   every unit burns an attempt on it;
 * - rate-limit, overloaded, stalled (only retry or reconnect events for `stallMs`):
 *   infrastructure; no strike, the unit runs again after a backoff;
 * - max-turns, budget (the tool's own limit), error (anything else the tool reported),
 *   crashed (its stream ended without its final result): the agent failed; a strike.
 */
export type AgentFailureKind =
  'auth' | 'rate-limit' | 'overloaded' | 'stalled' | 'max-turns' | 'budget' | 'error' | 'crashed';

export interface AgentFailure {
  kind: AgentFailureKind;
  /** The tool's own words, quoted in the attempt's reason. */
  message: string;
}

export interface LineReading {
  /** The text the line carries, for the handoff scanner; '' for a line that is only an event. */
  text: string;
  /**
   * progress: the agent is working (a message, a tool call, a turn);
   * waiting: a retry or reconnect notice (`note` holds its message): no progress;
   * none: neither (housekeeping events).
   */
  activity: 'progress' | 'waiting' | 'none';
  note?: string;
  /**
   * A retry notice whose cause is already a verdict: `auth` (a 401, an invalid key) ends the
   * attempt at once as a configuration error, since waiting cannot fix a key.
   */
  noteKind?: AgentFailureKind;
}

export interface StreamSummary {
  /** The tool's session id, for a warm retry (Claude Code `--resume`, Codex `exec resume`). */
  sessionId: string | null;
  usage: Usage | null;
  /** The tool's verdict when it reported a failure (or its output shows one); null when it did not. */
  failure: AgentFailure | null;
}

/** One attempt's reader of one tool's output; a new one per attempt. */
export interface AgentStream {
  read(line: string): LineReading;
  /** Usage so far, for budgets mid-attempt. */
  usage(): Usage | null;
  /** Called once when the process ended (exitCode null: killed or timed out). */
  finish(exit: { exitCode: number | null }): StreamSummary;
}

export interface InvocationContext {
  prompt: string;
  promptFile: string;
  workdir: string;
  unitId: string;
  attempt: number;
  /** A warm retry: resume this session of the tool (only where `canResume` says it can). */
  resumeSessionId?: string;
  /** The attempt's share of a cost budget, for tools with a budget flag (Claude Code `--max-budget-usd`). */
  maxBudgetUsd?: number;
}

export interface Invocation {
  command: string;
  args: string[];
  /** Written to the agent's stdin, then closed; undefined leaves stdin empty. */
  stdinText: string | undefined;
  /** Reads this invocation's output. */
  stream: AgentStream;
}
