/**
 * The environment an agent runs with is an allowlist, not gaffer's own
 * environment minus a few names: whatever the operator's shell holds (cloud
 * credentials, other services' tokens, GIT_* settings, NODE_OPTIONS...) stays
 * with gaffer unless the config passes it on purpose.
 *
 * An agent gets: the base variables any program needs to run, find its tools,
 * reach the network through a proxy and speak the operator's language; the
 * variables its config's `passEnv` names (defaults per kind, so the real CLIs
 * find their keys); and its config's `env` literals, which win.
 */
import type { AgentConfig } from '../config/schema.js';

/** What every agent gets; an entry ending in `*` is a prefix. */
export const BASE_AGENT_ENV: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TERM',
  'COLORTERM',
  'TZ',
  'TMPDIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
];

/** Whether `name` is one of `patterns` (exact names, or prefixes written `PREFIX*`). */
export function matchesEnvPattern(name: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern,
  );
}

/**
 * Exactly the variables the agent may see: the base allowlist and
 * `agent.passEnv`, taken from `supervisorEnv`, then `agent.env` over them.
 */
export function agentEnvironment(
  agent: Pick<AgentConfig, 'passEnv' | 'env'>,
  supervisorEnv: NodeJS.ProcessEnv,
): Record<string, string> {
  const allowed = [...BASE_AGENT_ENV, ...agent.passEnv];
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(supervisorEnv)) {
    if (value !== undefined && matchesEnvPattern(name, allowed)) env[name] = value;
  }
  return { ...env, ...agent.env };
}

/**
 * For a spawner that merges what it is given over the inherited environment
 * (execa's extendEnv): every inherited variable the agent may not see is set
 * to undefined, which removes it, and then the agent's own environment.
 */
export function replacingEnvironment(
  inherited: NodeJS.ProcessEnv,
  wanted: Record<string, string>,
): Record<string, string | undefined> {
  const removed = Object.fromEntries(Object.keys(inherited).map((name) => [name, undefined]));
  return { ...removed, ...wanted };
}

/** The variables that tell an attempt's processes (its setup and its agent) where they run. */
export function attemptVariables(attempt: {
  runId: number;
  unitId: string;
  attempt: number;
  workspace: string;
}): Record<string, string> {
  return {
    GAFFER_RUN_ID: String(attempt.runId),
    GAFFER_UNIT_ID: attempt.unitId,
    GAFFER_ATTEMPT: String(attempt.attempt),
    GAFFER_WORKTREE: attempt.workspace,
  };
}
