/**
 * Any command: an argv template with placeholders; the prompt on stdin, as a
 * file, or as the last argument; its output read as plain text, as Claude
 * Code's stream-json, or as Codex's jsonl events.
 */
import type { AgentConfig, AgentStream, Invocation, InvocationContext } from './types.js';
import { claudeStream } from './claude.js';
import { codexStream } from './codex.js';
import { textStream } from './text-stream.js';

type CommandAgent = Extract<AgentConfig, { kind: 'command' }>;

/** The placeholders an argument may hold; any other `{word}` is left as written. */
export const COMMAND_PLACEHOLDERS = ['prompt_file', 'workdir', 'unit_id', 'attempt'] as const;

export function commandInvocation(agent: CommandAgent, context: InvocationContext): Invocation {
  const args = agent.args.map((arg) => fillPlaceholders(arg, context));
  const stream = commandStream(agent.output);
  switch (agent.prompt) {
    case 'stdin':
      return { command: agent.command, args, stdinText: context.prompt, stream };
    case 'file':
      return { command: agent.command, args: [...args, context.promptFile], stdinText: undefined, stream };
    case 'arg':
      return { command: agent.command, args: [...args, context.prompt], stdinText: undefined, stream };
    default: {
      const unreachable: never = agent.prompt;
      return unreachable;
    }
  }
}

/** One pass, so a value that itself contains `{workdir}` (a folder name) is never substituted again. */
export function fillPlaceholders(arg: string, context: InvocationContext): string {
  const values: Record<(typeof COMMAND_PLACEHOLDERS)[number], string> = {
    prompt_file: context.promptFile,
    workdir: context.workdir,
    unit_id: context.unitId,
    attempt: String(context.attempt),
  };
  return arg.replace(
    /\{(prompt_file|workdir|unit_id|attempt)\}/g,
    (_whole, name: keyof typeof values) => values[name],
  );
}

function commandStream(output: CommandAgent['output']): AgentStream {
  switch (output) {
    case 'text':
      return textStream();
    case 'stream-json':
      return claudeStream();
    case 'jsonl':
      return codexStream();
    default: {
      const unreachable: never = output;
      return unreachable;
    }
  }
}
