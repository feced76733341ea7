/**
 * Claude Code in print mode: `claude -p --output-format stream-json --verbose`,
 * the prompt on stdin. Its stream (as of 2.1.197): a `system`/`init` event
 * with the session id; `assistant` and `user` events (each content block of a
 * message in its own event, the message's usage repeated); `system`/`api_retry`
 * while it retries a failed API call; and one final `result` event with the
 * verdict, the usage and the cost. The exit code says little: it can exit 0
 * with `is_error: true`, and its `subtype` stays "success" when the API call
 * itself failed ("Not logged in · Please run /login").
 */
import type {
  AgentConfig,
  AgentFailure,
  AgentFailureKind,
  AgentStream,
  Invocation,
  InvocationContext,
  LineReading,
  Usage,
} from './types.js';
import { parseJsonLine } from './text-stream.js';

type ClaudeAgent = Extract<AgentConfig, { kind: 'claude' }>;

/** The Claude Code versions whose flags and stream gaffer was checked against. */
export const CLAUDE_TESTED_VERSIONS: readonly string[] = ['2.1.197'];

export function claudeInvocation(agent: ClaudeAgent, context: InvocationContext): Invocation {
  return {
    command: agent.command,
    args: [
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'acceptEdits',
      ...(agent.model ? ['--model', agent.model] : []),
      ...(context.resumeSessionId !== undefined ? ['--resume', context.resumeSessionId] : []),
      ...(context.maxBudgetUsd !== undefined ? ['--max-budget-usd', formatUsd(context.maxBudgetUsd)] : []),
      ...agent.args,
    ],
    stdinText: context.prompt,
    stream: claudeStream(),
  };
}

/** Dollars as a plain decimal (never exponent notation), at least a millionth. */
function formatUsd(amount: number): string {
  return Math.max(amount, 0.000001)
    .toFixed(6)
    .replace(/\.?0+$/, '');
}

interface ApiUsage {
  input_tokens?: unknown;
  output_tokens?: unknown;
  cache_read_input_tokens?: unknown;
  cache_creation_input_tokens?: unknown;
}

interface ClaudeEvent {
  type?: unknown;
  subtype?: unknown;
  session_id?: unknown;
  /** On an assistant event: the API error it stands for ("authentication_failed", "rate_limit", ...). */
  error?: unknown;
  message?: { id?: unknown; content?: unknown; usage?: ApiUsage };
  // system/api_retry
  attempt?: unknown;
  max_retries?: unknown;
  error_status?: unknown;
  // result
  is_error?: unknown;
  result?: unknown;
  errors?: unknown;
  api_error_status?: unknown;
  total_cost_usd?: unknown;
  usage?: ApiUsage;
}

/** Reads one attempt's stream-json output (see the top of this file). */
export function claudeStream(): AgentStream {
  let sessionId: string | null = null;
  let result: ClaudeEvent | null = null;
  /** Per-message usage of assistant events; a message's blocks arrive as separate events with the same usage. */
  const messageUsage = new Map<string, Usage>();
  let unnamedMessages = 0;
  let lastApiError: string | null = null;
  let lastRetryNote: string | null = null;
  let lastProse: string | null = null;
  let cutOffLines = 0;

  /** The sum of messageUsage, kept as messages come (read on every line: never summed again). */
  const running: Usage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0, costUsd: null };

  function countMessage(id: string, usage: Usage): void {
    const before = messageUsage.get(id);
    messageUsage.set(id, usage);
    running.inputTokens += usage.inputTokens - (before?.inputTokens ?? 0);
    running.outputTokens += usage.outputTokens - (before?.outputTokens ?? 0);
    running.cachedTokens += usage.cachedTokens - (before?.cachedTokens ?? 0);
  }

  function usageSoFar(): Usage | null {
    if (result?.usage) return { ...readUsage(result.usage), costUsd: numberOr(result.total_cost_usd, null) };
    return messageUsage.size === 0 ? null : { ...running };
  }

  return {
    read(line): LineReading {
      const event = parseJsonLine(line) as ClaudeEvent | undefined;
      if (!event) {
        // A JSON line that does not parse was cut off (a crash mid-write); anything else is
        // prose the tool printed outside its stream (stderr), kept as text for the handoff.
        if (line.startsWith('{')) {
          cutOffLines++;
          return { text: '', activity: 'none' };
        }
        if (line.trim() !== '') lastProse = line.trim();
        return { text: line, activity: 'none' };
      }
      switch (event.type) {
        case 'system':
          if (event.subtype === 'init' && typeof event.session_id === 'string') sessionId = event.session_id;
          if (event.subtype === 'api_retry') {
            lastRetryNote = describeRetry(event);
            const kind = retryKind(event);
            return {
              text: '',
              activity: 'waiting',
              note: lastRetryNote,
              ...(kind === undefined ? {} : { noteKind: kind }),
            };
          }
          return { text: '', activity: 'none' };
        case 'assistant': {
          if (typeof event.error === 'string') lastApiError = event.error;
          const usage = event.message?.usage;
          if (usage) {
            const id = typeof event.message?.id === 'string' ? event.message.id : `#${unnamedMessages++}`;
            countMessage(id, { ...readUsage(usage), costUsd: null });
          }
          return { text: eventText(event), activity: 'progress' };
        }
        case 'user':
        case 'stream_event':
          return { text: '', activity: 'progress' };
        case 'result':
          result = event;
          return { text: eventText(event), activity: 'progress' };
        default:
          return { text: '', activity: 'none' };
      }
    },
    usage: usageSoFar,
    finish({ exitCode }) {
      return {
        sessionId,
        usage: usageSoFar(),
        failure: result
          ? resultFailure(result, lastApiError)
          : {
              kind: 'crashed',
              message: missingResult(exitCode, { cutOffLines, lastRetryNote, lastProse }),
            },
      };
    },
  };
}

/** Claude Code's stream-json: assistant messages carry text blocks; the final `result` event carries the answer. */
export function decodeClaudeStreamJson(line: string): string {
  const event = parseJsonLine(line) as ClaudeEvent | undefined;
  return event ? eventText(event) : line;
}

/** The text an event carries, for the handoff scanner ('' for one that carries none). */
function eventText(event: ClaudeEvent): string {
  if (event.type === 'result' && typeof event.result === 'string') return event.result;
  const content = event.message?.content;
  if (event.type !== 'assistant' || !Array.isArray(content)) return '';
  return (content as { type?: unknown; text?: unknown }[])
    .filter((block) => block.type === 'text' && typeof block.text === 'string')
    .map((block) => block.text as string)
    .join('\n');
}

function readUsage(usage: ApiUsage): Omit<Usage, 'costUsd'> {
  return {
    inputTokens: numberOr(usage.input_tokens, 0),
    outputTokens: numberOr(usage.output_tokens, 0),
    cachedTokens: numberOr(usage.cache_read_input_tokens, 0) + numberOr(usage.cache_creation_input_tokens, 0),
  };
}

function numberOr<T>(value: unknown, fallback: T): number | T {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** "API retry 3/10: rate_limit (HTTP 429)", from a `system`/`api_retry` event. */
function describeRetry(event: ClaudeEvent): string {
  const attempt = typeof event.attempt === 'number' ? String(event.attempt) : '?';
  const of = typeof event.max_retries === 'number' ? `/${event.max_retries}` : '';
  const error = typeof event.error === 'string' ? event.error : 'unknown';
  const status = typeof event.error_status === 'number' ? ` (HTTP ${event.error_status})` : '';
  return `API retry ${attempt}${of}: ${error}${status}`;
}

/** An api_retry whose cause is a login problem: retrying cannot fix it. */
function retryKind(event: ClaudeEvent): AgentFailureKind | undefined {
  if (event.error_status === 401 || event.error_status === 403) return 'auth';
  const kind = typeof event.error === 'string' ? API_ERROR_KINDS[event.error] : undefined;
  return kind === 'auth' ? kind : undefined;
}

const MESSAGE_LIMIT = 500;

/** The tool's verdict from its result event; null for a success. */
function resultFailure(result: ClaudeEvent, lastApiError: string | null): AgentFailure | null {
  const subtype = typeof result.subtype === 'string' ? result.subtype : 'success';
  if (result.is_error !== true && subtype === 'success') return null;
  const errors = Array.isArray(result.errors) ? result.errors.filter((e) => typeof e === 'string') : [];
  const text =
    typeof result.result === 'string' && result.result.trim() !== ''
      ? result.result.trim()
      : errors.length > 0
        ? errors.join('; ')
        : subtype;
  const message = text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT)}…` : text;
  const status = typeof result.api_error_status === 'number' ? result.api_error_status : null;
  return { kind: classifyClaudeError({ subtype, status, apiError: lastApiError, message }), message };
}

const API_ERROR_KINDS: Record<string, AgentFailureKind> = {
  authentication_failed: 'auth',
  oauth_org_not_allowed: 'auth',
  billing_error: 'auth',
  rate_limit: 'rate-limit',
  overloaded: 'overloaded',
};

/**
 * The class of an error result, from (in order) its subtype, the HTTP status
 * of the failed API call, the error code of the assistant event that reported
 * it, and the words of its message. A login, key or billing problem is
 * configuration (`auth`): every unit would fail the same way.
 */
export function classifyClaudeError(error: {
  subtype: string;
  status: number | null;
  apiError: string | null;
  message: string;
}): AgentFailureKind {
  if (error.subtype === 'error_max_turns') return 'max-turns';
  if (error.subtype === 'error_max_budget_usd') return 'budget';
  if (error.status === 401 || error.status === 403) return 'auth';
  if (error.status === 429) return 'rate-limit';
  if (error.status === 529) return 'overloaded';
  const byCode = error.apiError !== null ? API_ERROR_KINDS[error.apiError] : undefined;
  if (byCode) return byCode;
  const text = error.message;
  if (
    /not logged in|\/login|invalid api key|api key|authenticat|unauthori[sz]ed|oauth token|credit balance|\b40[13]\b/i.test(
      text,
    )
  )
    return 'auth';
  if (/rate.?limit|\b429\b|usage limit|limit reached/i.test(text)) return 'rate-limit';
  if (/overloaded|\b529\b/i.test(text)) return 'overloaded';
  if (/maximum number of turns|max.?turns/i.test(text)) return 'max-turns';
  if (/budget/i.test(text)) return 'budget';
  return 'error';
}

function missingResult(
  exitCode: number | null,
  seen: { cutOffLines: number; lastRetryNote: string | null; lastProse: string | null },
): string {
  const parts = [
    `its stream ended without its result event (${exitCode === null ? 'killed' : `exit code ${exitCode}`})`,
  ];
  if (seen.cutOffLines > 0)
    parts.push(`${seen.cutOffLines} line${seen.cutOffLines === 1 ? ' was' : 's were'} cut off`);
  if (seen.lastRetryNote !== null) parts.push(`the last retry notice: ${seen.lastRetryNote}`);
  if (seen.lastProse !== null) parts.push(`its last output: ${seen.lastProse.slice(0, MESSAGE_LIMIT)}`);
  return parts.join('; ');
}
