/** Aider: `aider --message-file <prompt> --yes-always`, plain text output. */
import type { AgentConfig, Invocation, InvocationContext } from './types.js';
import { textStream } from './text-stream.js';

type AiderAgent = Extract<AgentConfig, { kind: 'aider' }>;

export function aiderInvocation(agent: AiderAgent, context: InvocationContext): Invocation {
  return {
    command: agent.command,
    args: [
      '--yes-always',
      '--no-pretty',
      '--no-stream',
      ...(agent.model ? ['--model', agent.model] : []),
      ...agent.args,
      '--message-file',
      context.promptFile,
    ],
    stdinText: undefined,
    stream: textStream(),
  };
}
