/**
 * What `gaffer doctor` checks of each real agent CLI beyond "its binary is on
 * PATH" (preflight): its version, and whether it can log in, found locally
 * without an API call. The tool's own status command is asked first
 * (`claude auth status`, `codex login status`), with exactly the environment
 * the agent gets in an attempt, so a key gaffer does not pass counts as
 * missing; when that command cannot answer, files and variables are looked at,
 * and only a warning is given: a tool has ways to log in gaffer cannot see
 * (a keychain, a key helper), and doctor must not call a working setup broken.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import which from 'which';
import { redact } from '../../util/redact.js';
import { agentEnvironment, matchesEnvPattern } from '../agent-env.js';
import { CLAUDE_TESTED_VERSIONS } from './claude.js';
import { CODEX_TESTED_VERSIONS } from './codex.js';
import type { AgentConfig } from './types.js';

/** A hang bound for each `--version` or status command, not a measure of speed. */
export const AGENT_CHECK_TIMEOUT_MS = 20_000;

/** `fail` is only for an agent that cannot authenticate (exit 15); a missing binary is preflight's. */
export interface AgentCheckLine {
  level: 'ok' | 'warn' | 'fail';
  text: string;
}

export interface AgentCheckOptions {
  /** Where the commands run (the repository). */
  cwd: string;
  /** gaffer's own environment, filtered through the agent's passEnv as an attempt would be. */
  supervisorEnv: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

type KnownCli = Extract<AgentConfig, { kind: 'claude' | 'codex' | 'aider' }>;

export async function checkAgent(agent: AgentConfig, options: AgentCheckOptions): Promise<AgentCheckLine[]> {
  if (agent.kind === 'scripted' || agent.kind === 'command') return [];
  const label = `agent ${agent.kind}`;
  const binary = await which(agent.command, { nothrow: true });
  if (binary === null) return [];
  const env = agentEnvironment(agent, options.supervisorEnv);
  const run = (args: string[]) => runQuietly(binary, args, env, options);
  const ranVersion = await run(['--version']);
  const version = versionOf(ranVersion);
  const lines = [
    versionLine(agent, binary, version, ranVersion),
    await loginLine(agent, version, env, options.supervisorEnv, run),
  ];
  return lines.map((line) => ({ level: line.level, text: `${label}: ${redact(line.text)}` }));
}

interface Ran {
  exitCode: number | undefined;
  /** stdout and stderr, each line trimmed, without Codex's notice about helper binaries in a temp folder. */
  stdout: string;
  stderr: string;
  /** The hang bound it was ended at, if it was. */
  timedOutAfterMs: number | undefined;
}

async function runQuietly(
  binary: string,
  args: string[],
  env: Record<string, string>,
  options: AgentCheckOptions,
): Promise<Ran> {
  const timeoutMs = options.timeoutMs ?? AGENT_CHECK_TIMEOUT_MS;
  const result = await execa(binary, args, {
    cwd: options.cwd,
    env,
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    timeout: timeoutMs,
    forceKillAfterDelay: 2_000,
    // A version or a status fits in a few lines; a tool that prints on and on is cut, not buffered.
    maxBuffer: 1_000_000,
  });
  const clean = (text: string) =>
    text
      .split('\n')
      .filter((line) => !line.startsWith('WARNING: proceeding, even though we could not create PATH aliases'))
      .join('\n')
      .trim();
  return {
    exitCode: result.exitCode,
    stdout: clean(result.stdout),
    stderr: clean(result.stderr),
    timedOutAfterMs: result.timedOut ? timeoutMs : undefined,
  };
}

function describeRun(command: string, ran: Ran): string {
  if (ran.timedOutAfterMs !== undefined)
    return `\`${command}\` did not answer within ${ran.timedOutAfterMs / 1000} s`;
  const said = (ran.stderr || ran.stdout).split('\n')[0] ?? '';
  const how = ran.exitCode === undefined ? 'could not run' : `exited ${ran.exitCode}`;
  return `\`${command}\` ${how}${said === '' ? '' : `: ${said}`}`;
}

/** "2.1.197 (Claude Code)", "codex-cli 0.171.0", "aider 0.86.1": the first dotted version. */
function versionOf(ran: Ran): string | undefined {
  return ran.exitCode === 0 ? /\d+\.\d+\.\d+[\w.+-]*/.exec(ran.stdout)?.[0] : undefined;
}

/** Whether dotted version `version` is `floor` or later (numeric parts only). */
export function isAtLeast(version: string, floor: string): boolean {
  const parts = (text: string) =>
    text
      .split(/[^\d]+/)
      .filter(Boolean)
      .slice(0, 3)
      .map(Number);
  const [a, b] = [parts(version), parts(floor)];
  for (let index = 0; index < 3; index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference > 0;
  }
  return true;
}

function versionLine(agent: KnownCli, binary: string, version: string | undefined, ran: Ran): AgentCheckLine {
  if (version === undefined) {
    return {
      level: 'warn',
      text: `${binary}: could not read its version (${describeRun(`${agent.command} --version`, ran)}); check that it is ${TOOL_NAMES[agent.kind]}`,
    };
  }
  const tested = testedVersions(agent.kind);
  if (tested === undefined) return { level: 'ok', text: `${binary} ${version}` };
  if (tested.includes(version)) return { level: 'ok', text: `${binary} ${version} (tested)` };
  return {
    level: 'warn',
    text: `${binary} version ${version} is not one gaffer was tested with (tested: ${tested.join(', ')}); if its attempts fail on a flag or an event gaffer does not know, install a tested version`,
  };
}

const TOOL_NAMES: Record<KnownCli['kind'], string> = {
  claude: 'Claude Code (npm i -g @anthropic-ai/claude-code)',
  codex: 'Codex (npm i -g @openai/codex)',
  aider: 'Aider (pip install aider-chat)',
};

function testedVersions(kind: KnownCli['kind']): readonly string[] | undefined {
  switch (kind) {
    case 'claude':
      return CLAUDE_TESTED_VERSIONS;
    case 'codex':
      return CODEX_TESTED_VERSIONS;
    case 'aider':
      return undefined;
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

type Runner = (args: string[]) => Promise<Ran>;

function loginLine(
  agent: KnownCli,
  version: string | undefined,
  env: Record<string, string>,
  supervisorEnv: NodeJS.ProcessEnv,
  run: Runner,
): Promise<AgentCheckLine> {
  switch (agent.kind) {
    case 'claude':
      return claudeLogin(agent, version, env, supervisorEnv, run);
    case 'codex':
      return codexLogin(agent, env, supervisorEnv, run);
    case 'aider':
      return Promise.resolve(aiderKeys(env));
    default: {
      const unreachable: never = agent;
      return unreachable;
    }
  }
}

/** How to hand `name` to the agent: set it, and pass it if its passEnv does not already. */
function setAndPass(agent: KnownCli, name: string): string {
  return matchesEnvPattern(name, agent.passEnv)
    ? `set ${name} (passed to the agent by passEnv)`
    : `set ${name} and add it to agent.passEnv`;
}

/** A variable set in gaffer's environment that the agent's passEnv leaves out: the likeliest reason a key "is missing". */
function withheld(
  names: readonly string[],
  env: Record<string, string>,
  supervisorEnv: NodeJS.ProcessEnv,
): string {
  const left = names.filter((name) => !env[name] && supervisorEnv[name]);
  return left.length === 0
    ? ''
    : ` (${left.join(' and ')} ${left.length === 1 ? 'is' : 'are'} set in gaffer's environment, but agent.passEnv does not pass ${left.length === 1 ? 'it' : 'them'}: add ${left.length === 1 ? 'it' : 'them'} to passEnv)`;
}

const CLAUDE_KEY_VARIABLES = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'];
/** Claude Code 2.1.197's `claude auth status` (JSON by default). */
interface ClaudeAuthStatus {
  loggedIn: boolean;
  authMethod?: string;
  apiKeySource?: string;
  apiProvider?: string;
}

async function claudeLogin(
  agent: KnownCli,
  version: string | undefined,
  env: Record<string, string>,
  supervisorEnv: NodeJS.ProcessEnv,
  run: Runner,
): Promise<AgentCheckLine> {
  // An older Claude Code without the `auth` command would take "auth status" for a prompt and start a session.
  const statusKnown =
    version !== undefined && CLAUDE_TESTED_VERSIONS.some((tested) => isAtLeast(version, tested));
  const ran = statusKnown ? await run(['auth', 'status']) : undefined;
  const status = ran && parseClaudeAuthStatus(ran.stdout);
  if (status?.loggedIn === true) {
    const how = [status.authMethod, status.apiKeySource && `from ${status.apiKeySource}`].filter(Boolean);
    return { level: 'ok', text: `logged in${how.length > 0 ? ` (${how.join(' ')})` : ''}` };
  }
  const fix = `run \`${agent.command}\` and /login (or \`${agent.command} auth login\`), or ${setAndPass(agent, 'ANTHROPIC_API_KEY')}${withheld(CLAUDE_KEY_VARIABLES, env, supervisorEnv)}`;
  if (status?.loggedIn === false) return { level: 'fail', text: `not logged in: ${fix}` };
  // No answer gaffer knows (a version without `auth status`, a hang): look in the usual places.
  const found = claudeCredentialsFound(env);
  const why = ran
    ? describeRun(`${agent.command} auth status`, ran)
    : `\`${agent.command} auth status\` is not asked of a version older than ${CLAUDE_TESTED_VERSIONS.join(', ')}`;
  if (found !== undefined) return { level: 'ok', text: `${found} (${why})` };
  return {
    level: 'warn',
    text: `could not tell whether it is logged in (${why}) and found no key in its environment nor ${claudeCredentialsFile(env)}; if attempts fail with "Not logged in": ${fix}`,
  };
}

function parseClaudeAuthStatus(stdout: string): ClaudeAuthStatus | undefined {
  try {
    const value: unknown = JSON.parse(stdout);
    if (typeof value !== 'object' || value === null) return undefined;
    const loggedIn = (value as { loggedIn?: unknown }).loggedIn;
    return typeof loggedIn === 'boolean' ? (value as ClaudeAuthStatus) : undefined;
  } catch {
    return undefined;
  }
}

function claudeCredentialsFile(env: Record<string, string>): string {
  const folder = env.CLAUDE_CONFIG_DIR ?? path.join(env.HOME ?? '~', '.claude');
  return path.join(folder, '.credentials.json');
}

function claudeCredentialsFound(env: Record<string, string>): string | undefined {
  const variable = [...CLAUDE_KEY_VARIABLES, 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX'].find(
    (name) => env[name],
  );
  if (variable !== undefined) return `${variable} is in its environment`;
  const file = claudeCredentialsFile(env);
  return fs.existsSync(file) ? `credentials in ${file}` : undefined;
}

async function codexLogin(
  agent: KnownCli,
  env: Record<string, string>,
  supervisorEnv: NodeJS.ProcessEnv,
  run: Runner,
): Promise<AgentCheckLine> {
  // `codex exec` reads CODEX_API_KEY, which `codex login status` does not count. OPENAI_API_KEY
  // alone logs nothing in: Codex 0.171.0 sent its requests without an Authorization header then.
  if (env.CODEX_API_KEY) return { level: 'ok', text: 'CODEX_API_KEY is in its environment' };
  const ran = await run(['login', 'status']);
  const said = `${ran.stdout}\n${ran.stderr}`.trim();
  if (ran.exitCode === 0) {
    // "API key configured - sk-…***12345": the method, never the key's ends.
    const how = said.split('\n')[0]?.split(' - ')[0] ?? '';
    return { level: 'ok', text: `logged in${how === '' ? '' : ` (${how})`}` };
  }
  const openaiKey = env.OPENAI_API_KEY
    ? `; OPENAI_API_KEY is in its environment, but Codex logs in with it only through \`printenv OPENAI_API_KEY | ${agent.command} login --with-api-key\``
    : '';
  const fix = `run \`${agent.command} login\`, or ${setAndPass(agent, 'CODEX_API_KEY')}${withheld(['CODEX_API_KEY'], env, supervisorEnv)}${openaiKey}`;
  if (/not logged in/i.test(said)) return { level: 'fail', text: `not logged in: ${fix}` };
  const authFile = path.join(env.CODEX_HOME ?? path.join(env.HOME ?? '~', '.codex'), 'auth.json');
  const why = describeRun(`${agent.command} login status`, ran);
  if (fs.existsSync(authFile)) return { level: 'ok', text: `credentials in ${authFile} (${why})` };
  return {
    level: 'warn',
    text: `could not tell whether it is logged in (${why}) and found no ${authFile}; if attempts fail to authenticate: ${fix}`,
  };
}

/** Aider takes a key per provider, from its environment or its own config files (.aider.conf.yml, .env). */
function aiderKeys(env: Record<string, string>): AgentCheckLine {
  const keys = Object.keys(env)
    .filter((name) => /_API_KEY$/.test(name) || name === 'AIDER_API_KEY')
    .sort();
  if (keys.length > 0) return { level: 'ok', text: `API key in its environment (${keys.join(', ')})` };
  return {
    level: 'warn',
    text: "no API key in its environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, OPENROUTER_API_KEY, AIDER_*): set the one of your model in gaffer's environment (passEnv passes those by default; add others such as GEMINI_API_KEY to passEnv), unless .aider.conf.yml or a .env file of the repository holds it",
  };
}
