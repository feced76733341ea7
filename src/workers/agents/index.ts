/**
 * Agent adapters: how each agent CLI is invoked (always an argv array, never a
 * shell string) and how its output is read (see types.ts). One file per tool.
 */
import { scriptedAgentPath } from '../scripted-agent-path.js';
import { aiderInvocation } from './aider.js';
import { claudeInvocation } from './claude.js';
import { codexInvocation } from './codex.js';
import { commandInvocation } from './command.js';
import { scriptedStream } from './scripted.js';
import type { AgentConfig, Invocation, InvocationContext } from './types.js';

export type * from './types.js';

export function buildInvocation(agent: AgentConfig, context: InvocationContext): Invocation {
  switch (agent.kind) {
    case 'scripted':
      return {
        command: process.execPath,
        args: [scriptedAgentPath()],
        stdinText: context.prompt,
        stream: scriptedStream(),
      };
    case 'claude':
      return claudeInvocation(agent, context);
    case 'codex':
      return codexInvocation(agent, context);
    case 'aider':
      return aiderInvocation(agent, context);
    case 'command':
      return commandInvocation(agent, context);
    default: {
      const unreachable: never = agent;
      return unreachable;
    }
  }
}

/** Whether the tool can resume an earlier session (a warm retry). */
export function canResume(agent: AgentConfig): boolean {
  return agent.kind === 'claude' || agent.kind === 'codex';
}

/** The executable gaffer must find on PATH before it spawns anything for this agent. */
export function agentExecutable(agent: AgentConfig): string {
  return agent.kind === 'scripted' ? process.execPath : agent.command;
}
