import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyClaudeError, claudeStream } from '../../../src/workers/agents/claude.js';
import type { AgentStream, LineReading, StreamSummary } from '../../../src/workers/agents/types.js';

/** Real output of Claude Code 2.1.197 with an empty HOME and no network (see its README). */
function captured(name: string): string[] {
  const file = new URL(`../../fixtures/agents/claude-2.1.197/${name}`, import.meta.url);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

function replay(
  lines: readonly string[],
  exitCode: number | null,
): { readings: LineReading[]; summary: StreamSummary; stream: AgentStream } {
  const stream = claudeStream();
  const readings = lines.map((line) => stream.read(line));
  return { readings, summary: stream.finish({ exitCode }), stream };
}

const SESSION = '8f7e6d5c-1111-2222-3333-444455556666';
const usage = (input: number, output: number, cacheRead: number, cacheCreation: number) => ({
  input_tokens: input,
  cache_creation_input_tokens: cacheCreation,
  cache_read_input_tokens: cacheRead,
  output_tokens: output,
  service_tier: 'standard',
});
const init = JSON.stringify({
  type: 'system',
  subtype: 'init',
  session_id: SESSION,
  model: 'claude-sonnet-4-5',
});
const assistant = (id: string, content: unknown[], u: ReturnType<typeof usage>) =>
  JSON.stringify({
    type: 'assistant',
    message: { id, role: 'assistant', content, usage: u },
    session_id: SESSION,
  });
const result = (fields: Record<string, unknown>) =>
  JSON.stringify({
    type: 'result',
    subtype: 'success',
    is_error: false,
    api_error_status: null,
    duration_ms: 5310,
    num_turns: 4,
    session_id: SESSION,
    total_cost_usd: 0,
    usage: usage(0, 0, 0, 0),
    ...fields,
  });

describe('claudeStream on the real Claude Code 2.1.197 output', () => {
  it('not logged in: exit 1 with is_error under subtype "success" is an auth failure quoting the tool', () => {
    const { readings, summary } = replay(captured('not-logged-in.jsonl'), 1);
    expect(summary.failure).toEqual({ kind: 'auth', message: 'Not logged in · Please run /login' });
    expect(summary.sessionId).toBe('b539f851-5ddd-4378-9f1a-b6e60e33e5f1');
    expect(summary.usage).toEqual({ inputTokens: 0, outputTokens: 0, cachedTokens: 0, costUsd: 0 });
    // The synthetic assistant message and the result both carry the words, for the log and the handoff scanner.
    expect(readings.map((reading) => reading.text)).toEqual([
      '',
      'Not logged in · Please run /login',
      'Not logged in · Please run /login',
    ]);
  });

  it('the same stream ending with exit 0 is judged the same: the result decides, not the exit code', () => {
    expect(replay(captured('not-logged-in.jsonl'), 0).summary.failure?.kind).toBe('auth');
  });

  it('no network: each api_retry event is waiting, noted with its attempt and error; killed, it crashed', () => {
    const { readings, summary } = replay(captured('no-network-retries.jsonl'), null);
    expect(readings[0]).toEqual({ text: '', activity: 'none' });
    const retries = readings.slice(1);
    expect(retries).toHaveLength(7);
    expect(retries.every((reading) => reading.activity === 'waiting')).toBe(true);
    expect(retries[0]?.note).toBe('API retry 1/10: unknown');
    expect(retries[6]?.note).toBe('API retry 7/10: unknown');
    expect(summary.sessionId).toBe('976aad80-366a-4c4c-800c-2f7013d16421');
    expect(summary.usage).toBeNull();
    expect(summary.failure).toEqual({
      kind: 'crashed',
      message:
        'its stream ended without its result event (killed); the last retry notice: API retry 7/10: unknown',
    });
  });

  it('a resume of an unknown session: the error result has `errors`, no `result`; no session to resume again', () => {
    const { summary } = replay(captured('resume-unknown-session.jsonl'), 1);
    expect(summary.failure).toEqual({
      kind: 'error',
      message: 'No conversation found with session ID: 00000000-0000-4000-8000-000000000000',
    });
    // Only an init event names a session that exists; resuming this one would fail again.
    expect(summary.sessionId).toBeNull();
  });
});

describe('claudeStream', () => {
  const handoff =
    'GAFFER_RESULT {"status":"done","summary":"parser added","files_changed":["src/parser.ts"]}';
  const first = usage(900, 40, 4000, 200);
  const success = [
    init,
    assistant('msg_01', [{ type: 'text', text: "I'll add the parser." }], first),
    assistant('msg_01', [{ type: 'tool_use', id: 'toolu_01', name: 'Write', input: {} }], first),
    JSON.stringify({
      type: 'user',
      message: { role: 'user', content: [{ type: 'tool_result', content: 'ok' }] },
    }),
    assistant('msg_02', [{ type: 'text', text: 'Done.' }], usage(1000, 60, 4200, 0)),
    result({
      result: `Added the parser.\n${handoff}`,
      total_cost_usd: 0.0421,
      usage: usage(1900, 100, 8200, 200),
    }),
  ];

  it('reads a success: session, progress, the result text with the handoff, usage with cache and cost', () => {
    const { readings, summary } = replay(success, 0);
    expect(readings.map((reading) => reading.activity)).toEqual([
      'none',
      'progress',
      'progress',
      'progress',
      'progress',
      'progress',
    ]);
    expect(readings[1]?.text).toBe("I'll add the parser.");
    expect(readings[2]?.text).toBe('');
    expect(readings[5]?.text.split('\n').at(-1)).toBe(handoff);
    expect(summary).toEqual({
      sessionId: SESSION,
      usage: { inputTokens: 1900, outputTokens: 100, cachedTokens: 8400, costUsd: 0.0421 },
      failure: null,
    });
  });

  it('adds up assistant usage before the result, once per message, without a cost', () => {
    const stream = claudeStream();
    expect(stream.usage()).toBeNull();
    for (const line of success.slice(0, 3)) stream.read(line);
    expect(stream.usage()).toEqual({ inputTokens: 900, outputTokens: 40, cachedTokens: 4200, costUsd: null });
    for (const line of success.slice(3, 5)) stream.read(line);
    expect(stream.usage()).toEqual({
      inputTokens: 1900,
      outputTokens: 100,
      cachedTokens: 8400,
      costUsd: null,
    });
    stream.read(success[5] ?? '');
    expect(stream.usage()?.costUsd).toBe(0.0421);
  });

  it.each([
    [
      'rate limited (api_error_status 429)',
      { is_error: true, api_error_status: 429, result: 'API Error: Request rejected (429)' },
      'rate-limit',
    ],
    [
      'overloaded (529)',
      { is_error: true, api_error_status: 529, result: 'Repeated 529 Overloaded errors' },
      'overloaded',
    ],
    [
      'an invalid key (401)',
      { is_error: true, api_error_status: 401, result: 'Invalid API key · Fix external API key' },
      'auth',
    ],
    [
      'the turn limit',
      { subtype: 'error_max_turns', is_error: true, errors: ['Reached maximum number of turns (3)'] },
      'max-turns',
    ],
    ['its own budget', { subtype: 'error_max_budget_usd', is_error: true }, 'budget'],
    [
      'an execution error',
      { subtype: 'error_during_execution', is_error: true, errors: ['Tool failed', 'twice'] },
      'error',
    ],
  ])('an exit-0 stream ending with %s is classified from the result', (_name, fields, kind) => {
    const { summary } = replay([init, result(fields)], 0);
    expect(summary.failure?.kind).toBe(kind);
  });

  it('quotes the result, else the errors, else the subtype', () => {
    const failure = (fields: Record<string, unknown>) => replay([init, result(fields)], 0).summary.failure;
    expect(failure({ is_error: true, result: 'API Error: 500 boom' })?.message).toBe('API Error: 500 boom');
    expect(failure({ subtype: 'error_during_execution', is_error: true, errors: ['a', 'b'] })?.message).toBe(
      'a; b',
    );
    expect(failure({ subtype: 'error_max_budget_usd', is_error: true })?.message).toBe(
      'error_max_budget_usd',
    );
    expect(failure({ is_error: true, result: 'x'.repeat(2000) })?.message).toHaveLength(501);
  });

  it('uses the error code of the assistant event that reported the failure', () => {
    const refused = JSON.stringify({
      type: 'assistant',
      message: { id: 'm', content: [{ type: 'text', text: 'Something went wrong' }] },
      error: 'overloaded',
    });
    const { summary } = replay(
      [init, refused, result({ is_error: true, result: 'Something went wrong' })],
      1,
    );
    expect(summary.failure).toEqual({ kind: 'overloaded', message: 'Something went wrong' });
  });

  it('a crash mid-stream (no result, exit 1) is crashed, naming the exit code and the last words on stderr', () => {
    const { summary } = replay([init, success[1] ?? '', 'TypeError: Cannot read properties of undefined'], 1);
    expect(summary.failure).toEqual({
      kind: 'crashed',
      message:
        'its stream ended without its result event (exit code 1); its last output: TypeError: Cannot read properties of undefined',
    });
    expect(summary.usage).toEqual({ inputTokens: 900, outputTokens: 40, cachedTokens: 4200, costUsd: null });
    expect(summary.sessionId).toBe(SESSION);
  });

  it('a truncated last line is not read as text and is named in the crash', () => {
    const cut = (success[5] ?? '').slice(0, 40);
    const { readings, summary } = replay([init, cut], 0);
    expect(readings[1]).toEqual({ text: '', activity: 'none' });
    expect(summary.failure).toEqual({
      kind: 'crashed',
      message: 'its stream ended without its result event (exit code 0); 1 line was cut off',
    });
  });

  it('exit 0 with no result at all is crashed', () => {
    expect(replay([init], 0).summary.failure?.message).toBe(
      'its stream ended without its result event (exit code 0)',
    );
    expect(replay([], 0).summary).toEqual({
      sessionId: null,
      usage: null,
      failure: { kind: 'crashed', message: 'its stream ended without its result event (exit code 0)' },
    });
  });

  it('passes prose through as text (a handoff printed outside the stream still counts) without calling it progress', () => {
    const stream = claudeStream();
    expect(stream.read(handoff)).toEqual({ text: handoff, activity: 'none' });
    expect(stream.read('{"type":"rate_limit_event","rate_limit_info":{}}')).toEqual({
      text: '',
      activity: 'none',
    });
  });

  it('notes the HTTP status of a retry when there is one', () => {
    const line = JSON.stringify({
      type: 'system',
      subtype: 'api_retry',
      attempt: 2,
      max_retries: 10,
      retry_delay_ms: 1000,
      error_status: 429,
      error: 'rate_limit',
    });
    expect(claudeStream().read(line)).toEqual({
      text: '',
      activity: 'waiting',
      note: 'API retry 2/10: rate_limit (HTTP 429)',
    });
  });

  it('marks a retry of a login failure as auth: waiting cannot fix a key', () => {
    for (const fields of [
      { error_status: 401, error: 'authentication_failed' },
      { error_status: 403, error: 'unknown' },
      { error_status: null, error: 'authentication_failed' },
    ]) {
      const line = JSON.stringify({
        type: 'system',
        subtype: 'api_retry',
        attempt: 1,
        max_retries: 10,
        ...fields,
      });
      expect(claudeStream().read(line)).toMatchObject({ activity: 'waiting', noteKind: 'auth' });
    }
    const overloaded = JSON.stringify({
      type: 'system',
      subtype: 'api_retry',
      attempt: 1,
      error_status: 529,
      error: 'overloaded',
    });
    expect(claudeStream().read(overloaded)).not.toHaveProperty('noteKind');
  });
});

describe('classifyClaudeError', () => {
  const classify = (message: string, extra: { subtype?: string; status?: number; apiError?: string } = {}) =>
    classifyClaudeError({
      subtype: extra.subtype ?? 'success',
      status: extra.status ?? null,
      apiError: extra.apiError ?? null,
      message,
    });

  it.each([
    ['Not logged in · Please run /login', 'auth'],
    ['Invalid API key · Fix external API key', 'auth'],
    ['API Error: 401 {"type":"error","error":{"type":"authentication_error"}}', 'auth'],
    ['OAuth token revoked · Please run /login', 'auth'],
    ['Credit balance is too low', 'auth'],
    ['API Error: 429 rate_limit_error', 'rate-limit'],
    ['Claude AI usage limit reached|1760000000', 'rate-limit'],
    ['API Error: 529 {"type":"overloaded_error"}', 'overloaded'],
    ['Repeated 529 Overloaded errors', 'overloaded'],
    ['Reached maximum number of turns (30)', 'max-turns'],
    ['API Error: 500 Internal server error', 'error'],
  ])('%j is %s', (message, kind) => {
    expect(classify(message)).toBe(kind);
  });

  it('trusts the subtype, then the HTTP status, then the error code over the words', () => {
    expect(classify('rate limit', { subtype: 'error_max_turns' })).toBe('max-turns');
    expect(classify('whatever', { status: 403 })).toBe('auth');
    expect(classify('Not logged in', { status: 429 })).toBe('rate-limit');
    expect(classify('whatever', { apiError: 'billing_error' })).toBe('auth');
    expect(classify('whatever', { apiError: 'server_error' })).toBe('error');
  });
});
