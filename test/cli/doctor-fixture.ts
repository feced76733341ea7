import fs from 'node:fs';
import path from 'node:path';
import {
  PROJECT_ROOT,
  makeTempDir,
  removeTempDir,
  runCli,
  type CliResult,
  type Sandbox,
} from '../helpers/cli.js';
import { afterEach, beforeEach } from 'vitest';

/**
 * `gaffer doctor` against fake agent CLIs (test/fixtures/agents/fake-*-doctor)
 * that answer `--version` and the login status commands as the real tools do.
 */
export const FAKE_CLAUDE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'agents', 'fake-claude-doctor');
export const FAKE_CODEX = path.join(PROJECT_ROOT, 'test', 'fixtures', 'agents', 'fake-codex-doctor');
export const FAKE_AIDER = path.join(PROJECT_ROOT, 'test', 'fixtures', 'agents', 'fake-aider-doctor');

/** The names of gaffer's own environment a test must not inherit from the machine it runs on. */
const AGENT_VARIABLE = /^(ANTHROPIC_|CLAUDE_|CODEX_|OPENAI_|OPENROUTER_|AIDER_)|_API_KEY$/;

/**
 * An empty HOME per test (no ~/.claude, no ~/.codex) and an environment
 * without the machine's agent keys: `env` adds what the test wants gaffer to hold.
 */
export function useAgentHome(): () => string {
  let home: string | undefined;
  beforeEach(() => {
    home = makeTempDir();
  });
  afterEach(() => {
    removeTempDir(home);
    home = undefined;
  });
  return () => {
    if (home === undefined) throw new Error('useAgentHome: the home exists only while a test runs');
    return home;
  };
}

export function doctorWith(
  sandbox: Sandbox,
  home: string,
  env: Record<string, string> = {},
): Promise<CliResult> {
  const cleared = Object.fromEntries(
    Object.keys(process.env)
      .filter((name) => AGENT_VARIABLE.test(name))
      .map((name) => [name, undefined]),
  );
  return runCli(['doctor', '--config', sandbox.configPath], {
    cwd: sandbox.root,
    env: { ...cleared, HOME: home, ...env },
  });
}

/** The lines of doctor's report about agents (`ok  agent …`, `warn agent …`, `FAIL agent …`). */
export function agentLines(result: CliResult): string[] {
  return result.stdout.split('\n').filter((line) => /^(ok {2}|warn |FAIL )agent /.test(line));
}

/** The argv of each call a fake made, from the log its FAKE_*_DOCTOR_LOG names. */
export function callsLogged(logFile: string): string[][] {
  if (!fs.existsSync(logFile)) return [];
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as string[]);
}
