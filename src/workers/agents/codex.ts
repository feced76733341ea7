/**
 * Codex: `codex exec --json --sandbox workspace-write -`, the prompt on stdin;
 * a warm retry is `codex exec … resume <thread id> -`. Checked against Codex
 * 0.171.0 (`codex exec --help`, `codex exec resume --help`): `--full-auto` is
 * gone (rejected as an unexpected argument), exec mode never asks for
 * approval, and `--sandbox` belongs to `exec` itself (after `resume` it is
 * rejected), so it comes before the subcommand.
 *
 * The --json events read back: `thread.started` (thread_id: the session),
 * `turn.started`, `item.started|updated|completed` (agent_message text goes
 * to the handoff scanner), `turn.completed` (usage), `turn.failed`
 * ({error:{message}}) and `error` ({message}). Without network Codex prints
 * `{"type":"error","message":"Reconnecting... …"}` for as long as it is left
 * running: those are retry notices, not progress, so the stall watch ends it.
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
import { parseJsonLine } from './text-stream.js';

type CodexAgent = Extract<AgentConfig, { kind: 'codex' }>;

/** The Codex versions whose flags and events gaffer was checked against (`gaffer doctor` warns on others). */
export const CODEX_TESTED_VERSIONS: readonly string[] = ['0.171.0'];

export function codexInvocation(agent: CodexAgent, context: InvocationContext): Invocation {
  const flags = [
    '--json',
    '--sandbox',
    'workspace-write',
    ...(agent.model ? ['--model', agent.model] : []),
    ...agent.args,
  ];
  const resume = context.resumeSessionId !== undefined ? ['resume', context.resumeSessionId] : [];
  return {
    command: agent.command,
    args: ['exec', ...flags, ...resume, '-'],
    stdinText: context.prompt,
    stream: codexStream(),
  };
}

interface CodexEvent {
  type?: unknown;
  thread_id?: unknown;
  message?: unknown;
  error?: { message?: unknown };
  item?: { type?: unknown; text?: unknown; message?: unknown };
  usage?: { input_tokens?: unknown; cached_input_tokens?: unknown; output_tokens?: unknown };
}

/**
 * Reads `codex exec --json` (and any tool printing the same jsonl, see
 * command.ts). Lines that are not JSON (stderr, a truncated event) pass
 * through as text but count as no progress; the last of them is kept to
 * quote if the stream ends without a verdict.
 */
export function codexStream(): AgentStream {
  let sessionId: string | null = null;
  let usage: Usage | null = null;
  let completedTurns = 0;
  let failure: AgentFailure | null = null;
  let lastError: string | undefined;
  let lastOtherLine: string | undefined;

  const read: AgentStream['read'] = (line) => {
    const event = parseJsonLine(line) as CodexEvent | undefined;
    if (!event || typeof event.type !== 'string') {
      if (line.trim() !== '') lastOtherLine = line.trim();
      return { text: line, activity: 'none' };
    }
    switch (event.type) {
      case 'thread.started':
        if (typeof event.thread_id === 'string') sessionId = event.thread_id;
        return { text: '', activity: 'progress' };
      case 'turn.started':
        return { text: '', activity: 'progress' };
      case 'turn.completed':
        completedTurns += 1;
        usage = addUsage(usage, event.usage);
        // A turn that completes after an error event recovered from it.
        failure = null;
        return { text: '', activity: 'progress' };
      case 'turn.failed': {
        const message = stringOr(event.error?.message, 'the turn failed without a message');
        failure ??= classifyCodexMessage(message);
        lastError = message;
        return { text: '', activity: 'none' };
      }
      case 'error': {
        const message = stringOr(event.message, 'an error without a message');
        lastError = message;
        if (isRetryNotice(message)) {
          // Codex retries a 401 like a lost connection ("Reconnecting... 2/5 (unexpected status 401 …)").
          const auth = classifyCodexMessage(message).kind === 'auth';
          return {
            text: '',
            activity: 'waiting',
            note: message,
            ...(auth ? { noteKind: 'auth' as const } : {}),
          };
        }
        failure ??= classifyCodexMessage(message);
        return { text: '', activity: 'none' };
      }
      default:
        return readItem(event);
    }
  };

  return {
    read,
    usage: () => usage,
    finish({ exitCode }) {
      if (failure === null && (completedTurns === 0 || (exitCode !== null && exitCode !== 0))) {
        // The stream ended without its final turn (a crash mid-stream, no events at all) or the
        // process failed after it: quote whatever it said last.
        const said = lastError ?? lastOtherLine;
        const ending = exitCode === null ? 'was ended' : `exited with code ${exitCode}`;
        const message =
          said !== undefined
            ? said
            : `codex ${ending} ${completedTurns === 0 ? 'before completing a turn' : 'after its turn'}, printing nothing to explain it`;
        // A killed process (timeout, stall, operator) is judged by how it was ended, not here.
        if (exitCode !== null) failure = { kind: 'crashed', message };
      }
      return { sessionId, usage, failure };
    },
  };
}

/** item.* events: any item is the agent working; completed agent messages carry the text. */
function readItem(event: CodexEvent): ReturnType<AgentStream['read']> {
  const item = event.item;
  if (!item || typeof event.type !== 'string' || !event.type.startsWith('item.'))
    return { text: '', activity: 'none' };
  // An error item is a notice (e.g. "Falling back from WebSockets to HTTPS transport"), not work.
  if (item.type === 'error') return { text: '', activity: 'none' };
  const text =
    event.type === 'item.completed' && item.type === 'agent_message' && typeof item.text === 'string'
      ? item.text
      : '';
  return { text, activity: 'progress' };
}

/** Codex's own retry notices: "Reconnecting... 2/5 (…)", "Reconnecting... waiting for network (…)". */
function isRetryNotice(message: string): boolean {
  return /^(reconnecting|retrying)\b/i.test(message.trim());
}

const AUTH =
  /\b401\b|unauthori[sz]ed|invalid[ _-]api[ _-]key|incorrect api key|not logged in|please (log ?in|login)|missing (an )?api key|api key.*(missing|not set|required)|token (has )?expired|refresh token/i;
const RATE_LIMIT = /\b429\b|rate[ _-]?limit|too many requests|quota|usage limit/i;
const OVERLOADED = /overloaded|\b50[23]\b|service unavailable|server is busy|capacity/i;

/** The failure class of a message Codex gave as final (turn.failed, a non-retry error). */
export function classifyCodexMessage(message: string): AgentFailure {
  const kind: AgentFailureKind = AUTH.test(message)
    ? 'auth'
    : RATE_LIMIT.test(message)
      ? 'rate-limit'
      : OVERLOADED.test(message)
        ? 'overloaded'
        : 'error';
  return { kind, message };
}

function addUsage(total: Usage | null, reported: CodexEvent['usage']): Usage {
  const count = (value: unknown): number =>
    typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
  const input = count(reported?.input_tokens);
  const cached = Math.min(count(reported?.cached_input_tokens), input);
  return {
    // Codex counts cached input inside input_tokens; gaffer keeps the two apart (see Usage).
    inputTokens: (total?.inputTokens ?? 0) + input - cached,
    outputTokens: (total?.outputTokens ?? 0) + count(reported?.output_tokens),
    cachedTokens: (total?.cachedTokens ?? 0) + cached,
    // Codex reports tokens, never a price.
    costUsd: null,
  };
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
}

/** The text one line of Codex's --json output carries (completed agent messages; other lines as they are). */
export function decodeCodexJson(line: string): string {
  return codexStream().read(line).text;
}
