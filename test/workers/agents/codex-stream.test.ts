import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AgentSchema } from '../../../src/config/schema.js';
import { classifyCodexMessage, codexInvocation, codexStream } from '../../../src/workers/agents/codex.js';
import type { AgentStream, InvocationContext } from '../../../src/workers/agents/types.js';

/** A captured file's lines, without its header comment naming the version and command. */
function captured(name: string): string[] {
  return readFileSync(new URL(`../../fixtures/agents/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'));
}

const context: InvocationContext = {
  prompt: 'Fix the parser.',
  promptFile: '/tmp/prompt.md',
  workdir: '/tmp/work',
  unitId: 'u1',
  attempt: 1,
};
const codex = (input: object = {}) => {
  const agent = AgentSchema.parse({ kind: 'codex', ...input });
  if (agent.kind !== 'codex') throw new Error('expected a codex agent');
  return agent;
};
const feed = (stream: AgentStream, lines: string[]) => lines.map((line) => stream.read(line));
const event = (value: object) => JSON.stringify(value);

describe('codexInvocation', () => {
  it('runs `codex exec --json --sandbox workspace-write -` with the prompt on stdin, never --full-auto', () => {
    const invocation = codexInvocation(codex({ model: 'gpt-5-codex', args: ['-c', 'x=1'] }), context);
    expect(invocation.args).toEqual([
      'exec',
      '--json',
      '--sandbox',
      'workspace-write',
      '--model',
      'gpt-5-codex',
      '-c',
      'x=1',
      '-',
    ]);
    expect(invocation.args).not.toContain('--full-auto');
    expect(invocation.stdinText).toBe('Fix the parser.');
  });

  it('resumes a session with `exec … resume <id> -`, the exec flags before the subcommand (0.171.0 rejects --sandbox after it)', () => {
    const invocation = codexInvocation(codex(), {
      ...context,
      resumeSessionId: '01a22946-304e-7a03-97a9-d90daf1909fd',
    });
    expect(invocation.args).toEqual([
      'exec',
      '--json',
      '--sandbox',
      'workspace-write',
      'resume',
      '01a22946-304e-7a03-97a9-d90daf1909fd',
      '-',
    ]);
    expect(invocation.stdinText).toBe('Fix the parser.');
  });
});

describe('codexStream on codex-cli 0.171.0 output captured without login or network', () => {
  const lines = captured('codex-0.171.0-offline.jsonl');

  it('takes the session from thread.started and reads every Reconnecting notice as waiting, with its message', () => {
    const stream = codexStream();
    const readings = feed(stream, lines);
    expect(readings.slice(0, 2).map((reading) => reading.activity)).toEqual(['progress', 'progress']);
    const notices = readings.filter((reading) => reading.activity === 'waiting');
    expect(notices).toHaveLength(7);
    expect(notices.at(-1)?.note).toBe(
      'Reconnecting... waiting for network (Connection failed: error sending request)',
    );
    // The "Falling back from WebSockets" error item is a notice, not work.
    expect(readings.some((reading) => reading.activity === 'progress' && reading.text !== '')).toBe(false);
    // Ended by gaffer (stall or timeout): that ending is the verdict, not a failure of the tool.
    expect(stream.finish({ exitCode: null })).toEqual({
      sessionId: '01a22946-304e-7a03-97a9-d90daf1909fd',
      usage: null,
      failure: null,
    });
  });

  it('counts its stderr lines as no progress and quotes the last error when the process exits without a turn', () => {
    const stream = codexStream();
    feed(stream, lines);
    expect(
      feed(stream, captured('codex-0.171.0-offline.stderr.txt')).every((r) => r.activity === 'none'),
    ).toBe(true);
    expect(stream.finish({ exitCode: 1 }).failure).toEqual({
      kind: 'crashed',
      message: 'Reconnecting... waiting for network (Connection failed: error sending request)',
    });
  });

  it('quotes the stderr line of a resume that finds no session', () => {
    const stream = codexStream();
    feed(stream, captured('codex-0.171.0-resume-unknown.stderr.txt'));
    expect(stream.finish({ exitCode: 1 }).failure).toEqual({
      kind: 'crashed',
      message:
        'Error: thread/resume: thread/resume failed: no rollout found for thread id 01a22946-304e-7a03-97a9-d90daf1909fd (code -32600)',
    });
  });
});

describe('codexStream', () => {
  it('passes completed agent messages to the handoff scanner and sums usage over turns, cached input apart', () => {
    const stream = codexStream();
    const readings = feed(stream, [
      event({ type: 'thread.started', thread_id: 't-1' }),
      event({ type: 'turn.started' }),
      event({
        type: 'item.started',
        item: { id: 'item_1', type: 'command_execution', command: 'ls', status: 'in_progress' },
      }),
      event({
        type: 'item.completed',
        item: { id: 'item_2', type: 'agent_message', text: 'GAFFER_RESULT {"status":"done","summary":"ok"}' },
      }),
      event({
        type: 'turn.completed',
        usage: { input_tokens: 1200, cached_input_tokens: 200, output_tokens: 345 },
      }),
    ]);
    expect(readings.map((reading) => reading.activity)).toEqual([
      'progress',
      'progress',
      'progress',
      'progress',
      'progress',
    ]);
    expect(readings[3]?.text).toBe('GAFFER_RESULT {"status":"done","summary":"ok"}');
    expect(stream.usage()).toEqual({
      inputTokens: 1000,
      outputTokens: 345,
      cachedTokens: 200,
      costUsd: null,
    });
    stream.read(
      event({
        type: 'turn.completed',
        usage: { input_tokens: 100, cached_input_tokens: 0, output_tokens: 5 },
      }),
    );
    expect(stream.finish({ exitCode: 0 })).toEqual({
      sessionId: 't-1',
      usage: { inputTokens: 1100, outputTokens: 350, cachedTokens: 200, costUsd: null },
      failure: null,
    });
  });

  it.each([
    ['unexpected status 401 Unauthorized: Missing bearer or basic authentication in header', 'auth'],
    ['exceeded retry limit, last status: 401 Unauthorized, request id: req_1', 'auth'],
    ['Not logged in. Please login with `codex login`', 'auth'],
    ['Incorrect API key provided: sk-bogus', 'auth'],
    ['exceeded retry limit, last status: 429 Too Many Requests', 'rate-limit'],
    ["You've hit your usage limit. Upgrade to Pro or try again later.", 'rate-limit'],
    ['Quota exceeded. Check your plan and billing details.', 'rate-limit'],
    ['unexpected status 503 Service Unavailable', 'overloaded'],
    ['The model is overloaded. Please try again later.', 'overloaded'],
    ["Codex ran out of room in the model's context window.", 'error'],
  ])('classifies %j as %s', (message, kind) => {
    expect(classifyCodexMessage(message)).toEqual({ kind, message });
  });

  it('makes turn.failed the verdict, quoting its message, even on exit 0', () => {
    const stream = codexStream();
    feed(stream, [
      event({ type: 'thread.started', thread_id: 't-2' }),
      event({ type: 'turn.started' }),
      event({
        type: 'turn.failed',
        error: { message: 'exceeded retry limit, last status: 429 Too Many Requests' },
      }),
    ]);
    expect(stream.finish({ exitCode: 0 }).failure).toEqual({
      kind: 'rate-limit',
      message: 'exceeded retry limit, last status: 429 Too Many Requests',
    });
  });

  it('forgets an error event when the turn completes after it', () => {
    const stream = codexStream();
    feed(stream, [
      event({ type: 'turn.started' }),
      event({ type: 'error', message: 'stream disconnected before completion' }),
      event({ type: 'turn.completed', usage: { input_tokens: 1, cached_input_tokens: 0, output_tokens: 1 } }),
    ]);
    expect(stream.finish({ exitCode: 0 }).failure).toBeNull();
  });

  it('reads a truncated or malformed line as text without progress, and a stream that ends there as crashed', () => {
    const stream = codexStream();
    const readings = feed(stream, [
      event({ type: 'thread.started', thread_id: 't-3' }),
      '{"type":"item.completed","item":{"id":"item_0","type":"comm',
      '{"type": 42}',
      '[1,2]',
    ]);
    expect(readings.slice(1).map((reading) => reading.activity)).toEqual(['none', 'none', 'none']);
    expect(readings[1]?.text).toBe('{"type":"item.completed","item":{"id":"item_0","type":"comm');
    expect(stream.finish({ exitCode: 101 }).failure).toEqual({ kind: 'crashed', message: '[1,2]' });
  });

  it('calls an exit 0 with no completed turn and nothing said a crash', () => {
    const stream = codexStream();
    feed(stream, [event({ type: 'thread.started', thread_id: 't-4' }), event({ type: 'turn.started' })]);
    expect(stream.finish({ exitCode: 0 }).failure).toEqual({
      kind: 'crashed',
      message: 'codex exited with code 0 before completing a turn, printing nothing to explain it',
    });
  });
});
