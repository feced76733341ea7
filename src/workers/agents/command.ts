/** Any command: an argv template; the prompt on stdin, as a file, or as the last argument. */
import type { AgentConfig, Invocation, InvocationContext } from './types.js';
import { textStream } from './text-stream.js';

type CommandAgent = Extract<AgentConfig, { kind: 'command' }>;

export function commandInvocation(agent: CommandAgent, context: InvocationContext): Invocation {
  const args = agent.args.map((arg) => arg.replaceAll('{prompt_file}', context.promptFile));
  const stream = textStream();
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
