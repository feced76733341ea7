import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentSchema, type AgentConfig } from '../../src/config/schema.js';
import { decodeClaudeStreamJson } from '../../src/workers/agents/claude.js';
import { decodeCodexJson } from '../../src/workers/agents/codex.js';
import { agentExecutable, buildInvocation as build } from '../../src/workers/agents/index.js';
import { scriptedAgentPath } from '../../src/workers/scripted-agent-path.js';
import { runSupervised } from '../../src/workers/supervised-process.js';

const PROMPT = 'Fix the parser.\nIt says "hello world"; keep $HOME and `backticks` as text.';
const PROMPT_FILE = '/tmp/gaffer attempt/prompt.md';

const agent = (input: unknown): AgentConfig => AgentSchema.parse(input);
const buildInvocation = (config: AgentConfig, prompt: string, promptFile: string) =>
  build(config, { prompt, promptFile, workdir: '/tmp/work', unitId: 'u1', attempt: 1 });

describe('buildInvocation', () => {
  it.each([
    ['scripted', { kind: 'scripted' }],
    ['claude', { kind: 'claude' }],
    ['codex', { kind: 'codex' }],
    ['command (stdin)', { kind: 'command', command: 'my-agent', args: ['--quiet'] }],
  ])('%s gets an argv array and the prompt on stdin, not in argv', (_name, input) => {
    const invocation = buildInvocation(agent(input), PROMPT, PROMPT_FILE);
    expect(Array.isArray(invocation.args)).toBe(true);
    expect(invocation.args.every((arg) => typeof arg === 'string')).toBe(true);
    expect(invocation.stdinText).toBe(PROMPT);
    expect(invocation.args.some((arg) => arg.includes('Fix the parser'))).toBe(false);
  });

  it('runs the scripted agent with this node', () => {
    const invocation = buildInvocation(agent({ kind: 'scripted' }), PROMPT, PROMPT_FILE);
    expect(invocation.command).toBe(process.execPath);
    expect(invocation.args).toEqual([scriptedAgentPath()]);
    expect(agentExecutable(agent({ kind: 'scripted' }))).toBe(process.execPath);
  });

  it('runs claude in print mode with stream-json, the model and extra args', () => {
    const invocation = buildInvocation(
      agent({ kind: 'claude', model: 'sonnet', args: ['--max-turns', '30'] }),
      PROMPT,
      PROMPT_FILE,
    );
    expect(invocation.command).toBe('claude');
    expect(invocation.args).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'acceptEdits',
      '--model',
      'sonnet',
      '--max-turns',
      '30',
    ]);
  });

  it('resumes a claude session and passes its budget share when the attempt has them', () => {
    const invocation = build(agent({ kind: 'claude', args: ['--max-turns', '30'] }), {
      prompt: PROMPT,
      promptFile: PROMPT_FILE,
      workdir: '/tmp/work',
      unitId: 'u1',
      attempt: 2,
      resumeSessionId: '8f7e6d5c-1111-2222-3333-444455556666',
      maxBudgetUsd: 0.25,
    });
    expect(invocation.args).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'acceptEdits',
      '--resume',
      '8f7e6d5c-1111-2222-3333-444455556666',
      '--max-budget-usd',
      '0.25',
      '--max-turns',
      '30',
    ]);
    expect(invocation.stdinText).toBe(PROMPT);
  });

  it.each([
    [1.5, '1.5'],
    [2, '2'],
    [0.0000001, '0.000001'],
    [1 / 3, '0.333333'],
  ])('writes the budget %d as the decimal %s, never in exponent notation', (amount, written) => {
    const invocation = build(agent({ kind: 'claude' }), {
      prompt: PROMPT,
      promptFile: PROMPT_FILE,
      workdir: '/tmp/work',
      unitId: 'u1',
      attempt: 1,
      maxBudgetUsd: amount,
    });
    expect(invocation.args.slice(-2)).toEqual(['--max-budget-usd', written]);
  });

  it('runs codex exec reading the prompt from stdin (`-` last)', () => {
    const invocation = buildInvocation(agent({ kind: 'codex', command: '/opt/codex' }), PROMPT, PROMPT_FILE);
    expect(invocation.command).toBe('/opt/codex');
    expect(invocation.args).toEqual(['exec', '--json', '--sandbox', 'workspace-write', '-']);
  });

  it('gives aider the prompt file, not the prompt', () => {
    const invocation = buildInvocation(agent({ kind: 'aider' }), PROMPT, PROMPT_FILE);
    expect(invocation.stdinText).toBeUndefined();
    expect(invocation.args.slice(-2)).toEqual(['--message-file', PROMPT_FILE]);
    expect(invocation.args.join(' ')).not.toContain('Fix the parser');
  });

  it('substitutes {prompt_file} in a command agent’s args, whole or inside an argument', () => {
    const invocation = buildInvocation(
      agent({
        kind: 'command',
        command: 'my-agent',
        args: ['--input', '{prompt_file}', '--also={prompt_file}'],
      }),
      PROMPT,
      PROMPT_FILE,
    );
    expect(invocation.args).toEqual(['--input', PROMPT_FILE, `--also=${PROMPT_FILE}`]);
    expect(invocation.stdinText).toBe(PROMPT);
  });

  it('fills {workdir}, {unit_id} and {attempt} in one pass and leaves other braces as written', () => {
    const invocation = build(
      agent({
        kind: 'command',
        command: 'my-agent',
        args: ['--cd={workdir}', '--name', '{unit_id}-{attempt}', '{model}', '{{unit_id}}'],
      }),
      { prompt: PROMPT, promptFile: PROMPT_FILE, workdir: '/tmp/w/{unit_id}', unitId: 'parser', attempt: 3 },
    );
    expect(invocation.args).toEqual(['--cd=/tmp/w/{unit_id}', '--name', 'parser-3', '{model}', '{parser}']);
  });

  it.each([
    ['text', 'plain line', { text: 'plain line', activity: 'progress' }],
    [
      'stream-json',
      JSON.stringify({ type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 10, error: 'unknown' }),
      { text: '', activity: 'waiting', note: 'API retry 1/10: unknown' },
    ],
  ] as const)('reads a command agent’s output as %s', (output, line, reading) => {
    const invocation = buildInvocation(
      agent({ kind: 'command', command: 'my-agent', output }),
      PROMPT,
      PROMPT_FILE,
    );
    expect(invocation.stream.read(line)).toEqual(reading);
  });

  it('reads a command agent with output stream-json like Claude Code, verdict and all', () => {
    const { stream } = buildInvocation(
      agent({ kind: 'command', command: 'my-agent', output: 'stream-json' }),
      PROMPT,
      PROMPT_FILE,
    );
    stream.read(JSON.stringify({ type: 'system', subtype: 'init', session_id: 's-1' }));
    stream.read(
      JSON.stringify({
        type: 'result',
        subtype: 'success',
        is_error: true,
        result: 'Not logged in · Please run /login',
      }),
    );
    expect(stream.finish({ exitCode: 0 })).toMatchObject({
      sessionId: 's-1',
      failure: { kind: 'auth', message: 'Not logged in · Please run /login' },
    });
  });

  it('reads a command agent with output jsonl like Codex: its agent messages are the text', () => {
    const { stream } = buildInvocation(
      agent({ kind: 'command', command: 'my-agent', output: 'jsonl' }),
      PROMPT,
      PROMPT_FILE,
    );
    const line = JSON.stringify({
      type: 'item.completed',
      item: { id: 'item_3', type: 'agent_message', text: 'hi' },
    });
    expect(stream.read(line).text).toBe('hi');
  });

  it('appends the prompt file for prompt: "file"', () => {
    const invocation = buildInvocation(
      agent({ kind: 'command', command: 'my-agent', args: ['run'], prompt: 'file' }),
      PROMPT,
      PROMPT_FILE,
    );
    expect(invocation.args).toEqual(['run', PROMPT_FILE]);
    expect(invocation.stdinText).toBeUndefined();
  });

  it('passes the prompt as exactly one argv element for prompt: "arg"', () => {
    const invocation = buildInvocation(
      agent({ kind: 'command', command: 'my-agent', args: ['run', '--'], prompt: 'arg' }),
      PROMPT,
      PROMPT_FILE,
    );
    expect(invocation.args).toEqual(['run', '--', PROMPT]);
    expect(invocation.stdinText).toBeUndefined();
  });

  it('does not substitute {prompt_file} inside the prompt itself', () => {
    const prompt = 'literal {prompt_file} in the task';
    const invocation = buildInvocation(
      agent({ kind: 'command', command: 'my-agent', prompt: 'arg' }),
      prompt,
      PROMPT_FILE,
    );
    expect(invocation.args).toEqual([prompt]);
  });
});

describe('a hostile prompt delivered to a real subprocess', () => {
  let dir: string;
  let workdir: string;
  let script: string;

  // The fixture records the argv it received and, for the stdin case, its stdin.
  const FIXTURE = `const fs = require('node:fs');
const [out, ...rest] = process.argv.slice(2);
const stdin = fs.readFileSync(0, 'utf8');
fs.writeFileSync(out, JSON.stringify({ argv: rest, stdin }));
`;
  // Shell metacharacters of every kind; `rm -rf victim` stands in for something destructive
  // (a real `rm -rf /` must not be one regression away from running on a developer's machine).
  const HOSTILE =
    '$(touch pwned); rm -rf victim ; `touch pwned2` && touch pwned3 | cat > pwned4 \'q\' "dq" * ~ \\';

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gaffer-agents-'));
    workdir = join(dir, 'work');
    mkdirSync(join(workdir, 'victim'), { recursive: true });
    writeFileSync(join(workdir, 'victim', 'keep.txt'), 'keep');
    script = join(dir, 'record-argv.cjs');
    writeFileSync(script, FIXTURE);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function expectNothingRan(): void {
    for (const name of ['pwned', 'pwned2', 'pwned3', 'pwned4']) {
      expect(existsSync(join(workdir, name)), name).toBe(false);
      expect(existsSync(join(dir, name)), name).toBe(false);
    }
    expect(readFileSync(join(workdir, 'victim', 'keep.txt'), 'utf8')).toBe('keep');
  }

  it('as an argument: the child gets it verbatim as one argv element and nothing runs', async () => {
    const out = join(dir, 'argv.json');
    const invocation = buildInvocation(
      agent({ kind: 'command', command: process.execPath, args: [script, out], prompt: 'arg' }),
      HOSTILE,
      join(dir, 'prompt.md'),
    );
    const result = await runSupervised({
      command: invocation.command,
      args: invocation.args,
      cwd: workdir,
      stdinText: invocation.stdinText,
      timeoutMs: 20_000,
    });
    expect(result.outcome).toBe('exited');
    expect(result.exitCode).toBe(0);
    const received = JSON.parse(readFileSync(out, 'utf8')) as { argv: string[]; stdin: string };
    expect(received.argv).toEqual([HOSTILE]);
    expect(received.stdin).toBe('');
    expectNothingRan();
  });

  it('on stdin: the child reads it verbatim and nothing runs', async () => {
    const out = join(dir, 'stdin.json');
    const invocation = buildInvocation(
      agent({ kind: 'command', command: process.execPath, args: [script, out] }),
      HOSTILE,
      join(dir, 'prompt.md'),
    );
    const result = await runSupervised({
      command: invocation.command,
      args: invocation.args,
      cwd: workdir,
      stdinText: invocation.stdinText,
      timeoutMs: 20_000,
    });
    expect(result.exitCode).toBe(0);
    const received = JSON.parse(readFileSync(out, 'utf8')) as { argv: string[]; stdin: string };
    expect(received).toEqual({ argv: [], stdin: HOSTILE });
    expectNothingRan();
  });
});

describe('decodeClaudeStreamJson', () => {
  const handoff =
    'GAFFER_RESULT {"status":"done","summary":"parser added","files_changed":["src/parser.ts"]}';
  const lines = {
    init: JSON.stringify({
      type: 'system',
      subtype: 'init',
      cwd: '/tmp/wt/parser-1',
      session_id: '8f7e6d5c-1111-2222-3333-444455556666',
      tools: ['Task', 'Bash', 'Edit', 'Read', 'Write'],
      mcp_servers: [],
      model: 'claude-sonnet-4-5-20250929',
      permissionMode: 'acceptEdits',
      apiKeySource: 'ANTHROPIC_API_KEY',
    }),
    assistant: JSON.stringify({
      type: 'assistant',
      message: {
        id: 'msg_01ABCdef',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5-20250929',
        content: [
          { type: 'text', text: "I'll add the parser now." },
          {
            type: 'tool_use',
            id: 'toolu_01XYZ',
            name: 'Write',
            input: { file_path: 'src/parser.ts', content: 'export const parse = () => 1;\n' },
          },
        ],
        stop_reason: null,
        usage: { input_tokens: 1200, output_tokens: 80 },
      },
      parent_tool_use_id: null,
      session_id: '8f7e6d5c-1111-2222-3333-444455556666',
    }),
    toolOnly: JSON.stringify({
      type: 'assistant',
      message: {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_02', name: 'Bash', input: { command: 'npm test' } }],
      },
    }),
    twoTexts: JSON.stringify({
      type: 'assistant',
      message: {
        role: 'assistant',
        content: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
      },
    }),
    toolResult: JSON.stringify({
      type: 'user',
      message: {
        role: 'user',
        content: [{ tool_use_id: 'toolu_01XYZ', type: 'tool_result', content: 'File created successfully' }],
      },
      parent_tool_use_id: null,
      session_id: '8f7e6d5c-1111-2222-3333-444455556666',
    }),
    result: JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: false,
      duration_ms: 5310,
      num_turns: 4,
      result: `Added the parser and its tests.\n${handoff}`,
      session_id: '8f7e6d5c-1111-2222-3333-444455556666',
      total_cost_usd: 0.0421,
      usage: { input_tokens: 3400, output_tokens: 410 },
    }),
    errorResult: JSON.stringify({
      type: 'result',
      subtype: 'error_max_turns',
      is_error: true,
      num_turns: 30,
    }),
  };

  it('extracts the text blocks of assistant messages and ignores tool calls', () => {
    expect(decodeClaudeStreamJson(lines.assistant)).toBe("I'll add the parser now.");
    expect(decodeClaudeStreamJson(lines.toolOnly)).toBe('');
    expect(decodeClaudeStreamJson(lines.twoTexts)).toBe('one\ntwo');
  });

  it('gives nothing for init, tool results and a result without text', () => {
    expect(decodeClaudeStreamJson(lines.init)).toBe('');
    expect(decodeClaudeStreamJson(lines.toolResult)).toBe('');
    expect(decodeClaudeStreamJson(lines.errorResult)).toBe('');
  });

  it('gives the final result, whose last line is the handoff', () => {
    const text = decodeClaudeStreamJson(lines.result);
    expect(text).toBe(`Added the parser and its tests.\n${handoff}`);
    expect(text.split('\n').at(-1)).toBe(handoff);
  });

  it.each([
    'plain progress text',
    '{not json at all',
    '  {"type":"result","result":"indented"}',
    '[1,2,3]',
    '',
  ])('passes the non-JSON line %j through unchanged', (line) => {
    expect(decodeClaudeStreamJson(line)).toBe(line);
  });
});

describe('decodeCodexJson', () => {
  const message = 'Done.\nGAFFER_RESULT {"status":"done","summary":"ok"}';

  it('extracts completed agent messages', () => {
    const line = JSON.stringify({
      type: 'item.completed',
      item: { id: 'item_3', type: 'agent_message', text: message },
    });
    expect(decodeCodexJson(line)).toBe(message);
  });

  it.each([
    { type: 'thread.started', thread_id: '0199a213-81c0-7800-8aa1-bbab2a035a53' },
    { type: 'turn.started' },
    {
      type: 'item.started',
      item: { id: 'item_1', type: 'command_execution', command: 'bash -lc ls', status: 'in_progress' },
    },
    { type: 'item.completed', item: { id: 'item_0', type: 'reasoning', text: '**Planning the parser**' } },
    {
      type: 'item.completed',
      item: {
        id: 'item_2',
        type: 'command_execution',
        command: 'npm test',
        aggregated_output: 'ok',
        exit_code: 0,
      },
    },
    {
      type: 'turn.completed',
      usage: { input_tokens: 24763, cached_input_tokens: 24448, output_tokens: 122 },
    },
    { type: 'error', message: 'stream disconnected' },
  ])('gives nothing for %j', (event) => {
    expect(decodeCodexJson(JSON.stringify(event))).toBe('');
  });

  it.each(['Reading prompt from stdin...', '{broken', ''])('passes the non-JSON line %j through', (line) => {
    expect(decodeCodexJson(line)).toBe(line);
  });
});
