/**
 * Aider: `aider --yes-always --no-pretty --no-stream [--no-auto-commits]
 * --message-file <prompt>`, plain text output.
 *
 * Commits: aider commits its own edits by default, so with the default
 * `autoCommit: false` gaffer leaves that to it; `autoCommit: true` passes
 * `--no-auto-commits` and gaffer commits what aider left.
 *
 * What is read back (from aider's base_coder.py and exceptions.py):
 * - `Tokens: 12k sent, 1.1k cache write, 4.5k cache hit, 1.2k received. Cost: $0.05 message, $0.12 session.`
 *   after each model call (the cost part only when aider knows the model's price);
 * - its model errors, which it prints and then exits 0: the litellm exception
 *   (`litellm.AuthenticationError: …`) and its own explanation (`The API provider
 *   is not able to authenticate you. Check your API key.`);
 * - `Retrying in 0.5 seconds...` while it retries a transient error.
 */
import type {
  AgentConfig,
  AgentFailure,
  AgentFailureKind,
  AgentStream,
  Invocation,
  InvocationContext,
  Usage,
} from './types.js';

type AiderAgent = Extract<AgentConfig, { kind: 'aider' }>;

export function aiderInvocation(agent: AiderAgent, context: InvocationContext): Invocation {
  return {
    command: agent.command,
    args: [
      '--yes-always',
      '--no-pretty',
      '--no-stream',
      ...(agent.autoCommit ? ['--no-auto-commits'] : []),
      ...(agent.model ? ['--model', agent.model] : []),
      ...agent.args,
      '--message-file',
      context.promptFile,
    ],
    stdinText: undefined,
    stream: aiderStream(),
  };
}

/**
 * Aider's output: every line is text; a model error is a failure unless a
 * retry of it succeeded (more output after its `Retrying in …` line); a
 * `Tokens:` line is a finished model call.
 */
export function aiderStream(): AgentStream {
  let usage: Usage | null = null;
  let pending: AgentFailure | null = null;
  let retrying = false;
  let lastLine: string | undefined;

  return {
    read(line) {
      const trimmed = line.trim();
      if (trimmed === '') return { text: line, activity: 'none' };
      lastLine = trimmed;
      if (RETRY_NOTICE.test(trimmed)) {
        retrying = true;
        return { text: line, activity: 'waiting', note: pending?.message ?? trimmed };
      }
      const error = classifyAiderLine(trimmed);
      if (error !== undefined) {
        // The exception line comes first and names the provider's words; aider's own
        // explanation follows it and is kept only when it is the first sign.
        if (pending === null || retrying) pending = error;
        retrying = false;
        return { text: line, activity: 'none' };
      }
      const reported = parseAiderUsage(trimmed);
      if (reported !== undefined) {
        usage = addUsage(usage, reported);
        pending = null;
        retrying = false;
        return { text: line, activity: 'progress' };
      }
      // Output after a retry notice: the retried call went through.
      if (retrying) {
        pending = null;
        retrying = false;
      }
      return { text: line, activity: 'progress' };
    },
    usage: () => usage,
    finish({ exitCode }) {
      let failure = pending;
      if (failure === null && exitCode !== null && exitCode !== 0) {
        failure = {
          kind: 'crashed',
          message: lastLine ?? `aider exited with code ${exitCode} and printed nothing`,
        };
      }
      return { sessionId: null, usage, failure };
    },
  };
}

const RETRY_NOTICE = /^Retrying in [\d.]+ seconds?\.*$/i;

/** Aider's own explanations (exceptions.py), by the failure they describe. */
const EXPLANATIONS: [RegExp, AgentFailureKind][] = [
  [/^The API provider is not able to authenticate you/i, 'auth'],
  [/^The API provider has rate limited you/i, 'rate-limit'],
  [/^The API provider's servers are down or overloaded/i, 'overloaded'],
  [/^The API provider timed out/i, 'overloaded'],
];

/** litellm exception names at the start of a line (`litellm.RateLimitError: …` or `RateLimitError: …`). */
const EXCEPTION_LINE = /^(?:litellm\.)?([A-Z][A-Za-z]*Error|Timeout):/;

/** The failure a line of aider's output reports, or undefined for ordinary output. */
export function classifyAiderLine(line: string): AgentFailure | undefined {
  for (const [pattern, kind] of EXPLANATIONS) if (pattern.test(line)) return { kind, message: line };
  const name = EXCEPTION_LINE.exec(line)?.[1];
  if (name === undefined || !KNOWN_EXCEPTIONS.has(name)) return undefined;
  return { kind: exceptionKind(name, line), message: line };
}

const KNOWN_EXCEPTIONS = new Set([
  'APIConnectionError',
  'APIError',
  'APIResponseValidationError',
  'AuthenticationError',
  'PermissionDeniedError',
  'BadRequestError',
  'BudgetExceededError',
  'ContentPolicyViolationError',
  'ContextWindowExceededError',
  'InternalServerError',
  'InvalidRequestError',
  'NotFoundError',
  'RateLimitError',
  'ServiceUnavailableError',
  'UnprocessableEntityError',
  'Timeout',
]);

function exceptionKind(name: string, line: string): AgentFailureKind {
  switch (name) {
    case 'AuthenticationError':
    case 'PermissionDeniedError':
      return 'auth';
    case 'RateLimitError':
      return 'rate-limit';
    case 'ServiceUnavailableError':
    case 'InternalServerError':
    case 'APIConnectionError':
    case 'Timeout':
      // The provider is down, busy or unreachable: infrastructure, retried later.
      return 'overloaded';
    case 'BudgetExceededError':
      return 'budget';
    default:
      if (/overloaded/i.test(line)) return 'overloaded';
      if (/rate.?limit|\b429\b/i.test(line)) return 'rate-limit';
      if (/\b401\b|api.?key/i.test(line)) return 'auth';
      return 'error';
  }
}

interface AiderReport {
  sent: number;
  received: number;
  cached: number;
  /** The session's cost so far; aider prints it cumulatively. */
  sessionUsd: number | null;
}

const TOKENS_LINE = /^Tokens: ([\d.]+[kKmM]?) sent(.*?), ([\d.]+[kKmM]?) received\./;
const CACHE_PART = /([\d.]+[kKmM]?) cache (?:write|hit)/g;
const COST_PART = /Cost: \$([\d.]+) message, \$([\d.]+) session/;

/** One `Tokens: … Cost: …` report, or undefined for any other line. */
export function parseAiderUsage(line: string): AiderReport | undefined {
  const tokens = TOKENS_LINE.exec(line);
  const cost = COST_PART.exec(line);
  if (!tokens) {
    // The cost may come on its own line when aider wraps the report.
    return cost ? { sent: 0, received: 0, cached: 0, sessionUsd: Number(cost[2]) } : undefined;
  }
  let cached = 0;
  for (const part of (tokens[2] ?? '').matchAll(CACHE_PART)) cached += tokenCount(part[1] ?? '0');
  return {
    sent: tokenCount(tokens[1] ?? '0'),
    received: tokenCount(tokens[3] ?? '0'),
    cached,
    sessionUsd: cost ? Number(cost[2]) : null,
  };
}

/** Aider's short counts: `873`, `2.3k`, `12k`, `1.2M`. */
function tokenCount(text: string): number {
  const value = Number.parseFloat(text);
  if (!Number.isFinite(value)) return 0;
  const suffix = text.at(-1)?.toLowerCase();
  return Math.round(suffix === 'k' ? value * 1_000 : suffix === 'm' ? value * 1_000_000 : value);
}

function addUsage(total: Usage | null, report: AiderReport): Usage {
  return {
    inputTokens: (total?.inputTokens ?? 0) + report.sent,
    outputTokens: (total?.outputTokens ?? 0) + report.received,
    cachedTokens: (total?.cachedTokens ?? 0) + report.cached,
    // The session figure is cumulative: the latest one is the attempt's cost.
    costUsd: report.sessionUsd ?? total?.costUsd ?? null,
  };
}
