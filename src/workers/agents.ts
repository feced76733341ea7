/**
 * Agent adapters: how each agent CLI is invoked (always an argv array, never a
 * shell string) and how its output is turned into plain text lines in which
 * the handoff marker can be found.
 */
import type { Config } from '../config/schema.js';
import { scriptedAgentPath } from './scripted-agent-path.js';

export type AgentConfig = Config['agent'];

export interface Invocation {
  command: string;
  args: string[];
  /** Written to the agent's stdin, then closed; undefined leaves stdin empty. */
  stdinText: string | undefined;
  /** Turns one raw output line into the text it carries (JSON event streams carry text inside). */
  decodeLine: (line: string) => string;
}

const identity = (line: string): string => line;

export function buildInvocation(agent: AgentConfig, prompt: string, promptFile: string): Invocation {
  switch (agent.kind) {
    case 'scripted':
      return {
        command: process.execPath,
        args: [scriptedAgentPath()],
        stdinText: prompt,
        decodeLine: identity,
      };
    case 'claude':
      // Print mode reads the prompt from stdin; stream-json shows progress while it works.
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
        stdinText: prompt,
        decodeLine: decodeClaudeStreamJson,
      };
    case 'codex':
      // `codex exec -` reads the prompt from stdin; --json prints one event per line.
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
        stdinText: prompt,
        decodeLine: decodeCodexJson,
      };
    case 'aider':
      return {
        command: agent.command,
        args: [
          '--yes-always',
          '--no-pretty',
          '--no-stream',
          ...(agent.model ? ['--model', agent.model] : []),
          ...agent.args,
          '--message-file',
          promptFile,
        ],
        stdinText: undefined,
        decodeLine: identity,
      };
    case 'command': {
      const args = agent.args.map((arg) => arg.replaceAll('{prompt_file}', promptFile));
      switch (agent.prompt) {
        case 'stdin':
          return { command: agent.command, args, stdinText: prompt, decodeLine: identity };
        case 'file':
          return {
            command: agent.command,
            args: [...args, promptFile],
            stdinText: undefined,
            decodeLine: identity,
          };
        case 'arg':
          return {
            command: agent.command,
            args: [...args, prompt],
            stdinText: undefined,
            decodeLine: identity,
          };
        default: {
          const unreachable: never = agent.prompt;
          return unreachable;
        }
      }
    }
    default: {
      const unreachable: never = agent;
      return unreachable;
    }
  }
}

/** The executable gaffer must find on PATH before it spawns anything for this agent. */
export function agentExecutable(agent: AgentConfig): string {
  return agent.kind === 'scripted' ? process.execPath : agent.command;
}

function parseJsonLine(line: string): unknown {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
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

/** Codex's --json events: completed agent messages carry the text. */
export function decodeCodexJson(line: string): string {
  const event = parseJsonLine(line) as
    { type?: string; item?: { type?: string; text?: unknown } } | undefined;
  if (!event) return line;
  if (event.item && typeof event.item.text === 'string' && event.item.type === 'agent_message')
    return event.item.text;
  return '';
}
