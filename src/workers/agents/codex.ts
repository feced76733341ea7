/** Codex: `codex exec --json`, the prompt on stdin (`-`). */
import type { AgentConfig, AgentStream, Invocation, InvocationContext } from './types.js';
import { parseJsonLine } from './text-stream.js';

type CodexAgent = Extract<AgentConfig, { kind: 'codex' }>;

export function codexInvocation(agent: CodexAgent, context: InvocationContext): Invocation {
  return {
    command: agent.command,
    args: [
      'exec',
      '--full-auto',
      '--json',
      ...(agent.model ? ['--model', agent.model] : []),
      ...agent.args,
      '-',
    ],
    stdinText: context.prompt,
    stream: codexStream(),
  };
}

export function codexStream(): AgentStream {
  return {
    read(line) {
      const text = decodeCodexJson(line);
      return { text, activity: text === '' ? 'none' : 'progress' };
    },
    usage: () => null,
    finish: () => ({ sessionId: null, usage: null, failure: null }),
  };
}

/** Codex's --json events: completed agent messages carry the text. */
export function decodeCodexJson(line: string): string {
  const event = parseJsonLine(line) as
    { type?: string; item?: { type?: string; text?: unknown } } | undefined;
  if (!event) return line;
  if (event.item && typeof event.item.text === 'string' && event.item.type === 'agent_message')
    return event.item.text;
  return '';
}
