import { describe, expect, it } from 'vitest';
import { AgentSchema } from '../../../src/config/schema.js';
import {
  aiderInvocation,
  aiderStream,
  classifyAiderLine,
  parseAiderUsage,
} from '../../../src/workers/agents/aider.js';
import type { AgentStream, InvocationContext } from '../../../src/workers/agents/types.js';

// Lines in aider's own words: base_coder.py (the usage report, `Retrying in …`), exceptions.py
// (its explanations) and litellm's exception text, as aider prints them.
const AUTH = [
  'litellm.AuthenticationError: AuthenticationError: OpenAIException - Incorrect API key provided: sk-bogus. You can find your API key at https://platform.openai.com/account/api-keys.',
  'The API provider is not able to authenticate you. Check your API key.',
];
const RATE = [
  'litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached for gpt-4o on tokens per min (TPM)',
  'The API provider has rate limited you. Try again later or check your quotas.',
];

const context: InvocationContext = {
  prompt: 'Fix the parser.',
  promptFile: '/tmp/gaffer attempt/prompt.md',
  workdir: '/tmp/work',
  unitId: 'u1',
  attempt: 1,
};
const aider = (input: object = {}) => {
  const agent = AgentSchema.parse({ kind: 'aider', ...input });
  if (agent.kind !== 'aider') throw new Error('expected an aider agent');
  return agent;
};
const feed = (stream: AgentStream, lines: string[]) => lines.map((line) => stream.read(line));

describe('aiderInvocation', () => {
  it('leaves commits to aider by default (autoCommit false): no --no-auto-commits', () => {
    expect(aiderInvocation(aider(), context).args).toEqual([
      '--yes-always',
      '--no-pretty',
      '--no-stream',
      '--message-file',
      '/tmp/gaffer attempt/prompt.md',
    ]);
  });

  it('passes --no-auto-commits when gaffer commits (autoCommit true), the model and extra args before the message file', () => {
    const invocation = aiderInvocation(
      aider({ autoCommit: true, model: 'sonnet', args: ['--no-gitignore'] }),
      context,
    );
    expect(invocation.args).toEqual([
      '--yes-always',
      '--no-pretty',
      '--no-stream',
      '--no-auto-commits',
      '--model',
      'sonnet',
      '--no-gitignore',
      '--message-file',
      '/tmp/gaffer attempt/prompt.md',
    ]);
    expect(invocation.stdinText).toBeUndefined();
  });
});

describe('parseAiderUsage', () => {
  it.each([
    [
      'Tokens: 2.3k sent, 103 received. Cost: $0.0070 message, $0.0070 session.',
      { sent: 2300, received: 103, cached: 0, sessionUsd: 0.007 },
    ],
    [
      'Tokens: 12k sent, 1.1k cache write, 4.5k cache hit, 1.2k received. Cost: $0.05 message, $0.12 session.',
      { sent: 12000, received: 1200, cached: 5600, sessionUsd: 0.12 },
    ],
    ['Tokens: 1.5M sent, 873 received.', { sent: 1_500_000, received: 873, cached: 0, sessionUsd: null }],
    ['Cost: $0.01 message, $1.25 session.', { sent: 0, received: 0, cached: 0, sessionUsd: 1.25 }],
  ])('reads %j', (line, report) => {
    expect(parseAiderUsage(line)).toEqual(report);
  });

  it('ignores other lines', () => {
    expect(parseAiderUsage('Tokens are counted per request')).toBeUndefined();
  });
});

describe('aiderStream', () => {
  it('sums tokens over model calls and takes the latest session cost', () => {
    const stream = aiderStream();
    feed(stream, [
      'Aider v0.86.1',
      'Tokens: 2.3k sent, 103 received. Cost: $0.0070 message, $0.0070 session.',
      'Applied edit to files/a.txt',
      'Tokens: 12k sent, 1.1k cache write, 4.5k cache hit, 1.2k received. Cost: $0.05 message, $0.12 session.',
    ]);
    expect(stream.finish({ exitCode: 0 })).toEqual({
      sessionId: null,
      usage: { inputTokens: 14300, outputTokens: 1303, cachedTokens: 5600, costUsd: 0.12 },
      failure: null,
    });
  });

  it('reads an AuthenticationError printed before a clean exit 0 as auth, quoting litellm', () => {
    const stream = aiderStream();
    feed(stream, ['Aider v0.86.1', 'Main model: gpt-4o with diff edit format', ...AUTH]);
    expect(stream.finish({ exitCode: 0 }).failure).toEqual({ kind: 'auth', message: AUTH[0] });
  });

  it('reads `Retrying in …` as waiting, and forgets the error once the retried call produced output', () => {
    const stream = aiderStream();
    const readings = feed(stream, [...RATE, 'Retrying in 0.2 seconds...']);
    expect(readings.at(-1)).toEqual({
      text: 'Retrying in 0.2 seconds...',
      activity: 'waiting',
      note: RATE[0],
    });
    stream.read('files/a.txt');
    expect(stream.finish({ exitCode: 0 }).failure).toBeNull();
  });

  it('keeps a rate limit aider gave up on after its retries', () => {
    const stream = aiderStream();
    feed(stream, [...RATE, 'Retrying in 0.2 seconds...', ...RATE, 'Retrying in 0.5 seconds...', ...RATE]);
    expect(stream.finish({ exitCode: 0 }).failure).toEqual({ kind: 'rate-limit', message: RATE[0] });
  });

  it.each([
    [
      'litellm.InternalServerError: AnthropicException - {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
      'overloaded',
    ],
    ["The API provider's servers are down or overloaded.", 'overloaded'],
    ['litellm.ServiceUnavailableError: OpenAIException - 503', 'overloaded'],
    ['litellm.APIConnectionError: Connection error.', 'overloaded'],
    ['litellm.NotFoundError: OpenAIException - The model `gpt-9` does not exist', 'error'],
    ['litellm.BadRequestError: OpenAIException - invalid x-api-key', 'auth'],
  ])('classifies %j as %s', (line, kind) => {
    expect(classifyAiderLine(line)).toEqual({ kind, message: line });
  });

  it('does not take the model writing about errors for an error', () => {
    expect(classifyAiderLine('I added a RateLimitError class to limits.py')).toBeUndefined();
    expect(classifyAiderLine('MyCustomError: raised when parsing fails')).toBeUndefined();
  });

  it('calls a non-zero exit without a model error a crash, quoting its last line', () => {
    const stream = aiderStream();
    feed(stream, [
      'Traceback (most recent call last):',
      '  File "aider/main.py", line 1180, in main',
      "KeyError: 'edit_format'",
      '',
    ]);
    expect(stream.finish({ exitCode: 1 }).failure).toEqual({
      kind: 'crashed',
      message: "KeyError: 'edit_format'",
    });
  });
});
