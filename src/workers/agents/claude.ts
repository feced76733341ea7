/** Claude Code in print mode: `claude -p --output-format stream-json --verbose`, the prompt on stdin. */
import type { AgentConfig, AgentStream, Invocation, InvocationContext } from './types.js';
import { parseJsonLine } from './text-stream.js';

type ClaudeAgent = Extract<AgentConfig, { kind: 'claude' }>;

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
      ...agent.args,
    ],
    stdinText: context.prompt,
    stream: claudeStream(),
  };
}

export function claudeStream(): AgentStream {
  return {
    read(line) {
      const text = decodeClaudeStreamJson(line);
      return { text, activity: text === '' ? 'none' : 'progress' };
    },
    usage: () => null,
    finish: () => ({ sessionId: null, usage: null, failure: null }),
  };
}

/** Claude Code's stream-json: assistant messages carry text blocks; the final `result` event carries the answer. */
export function decodeClaudeStreamJson(line: string): string {
  const event = parseJsonLine(line) as
    | { type?: string; result?: unknown; message?: { content?: { type?: string; text?: unknown }[] } }
    | undefined;
  if (!event) return line;
  if (event.type === 'result' && typeof event.result === 'string') return event.result;
  if (event.type === 'assistant' && Array.isArray(event.message?.content)) {
    return event.message.content
      .filter((block) => block.type === 'text' && typeof block.text === 'string')
      .map((block) => block.text as string)
      .join('\n');
  }
  return '';
}
