import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { BASE_AGENT_ENV, matchesEnvPattern } from '../../src/workers/agent-env.js';
import { runCli, useSandbox, type Sandbox } from '../helpers/cli.js';

/**
 * The built CLI runs a `command` agent that writes the environment it got to
 * a file; gaffer itself runs with secrets in its environment that the agent
 * must not see unless the config passes them.
 */

const FAKE_SECRET_TOKEN = 'fake-secret-token-value-1';
const OTHER_API_KEY = 'other-api-key-value-2';

/** The variables gaffer sets for every attempt, and the one runSupervised marks its children with. */
const GAFFER_VARIABLES = [
  'GAFFER_RUN_ID',
  'GAFFER_UNIT_ID',
  'GAFFER_ATTEMPT',
  'GAFFER_PROMPT_FILE',
  'GAFFER_WORKTREE',
  'GAFFER_PROCESS_MARK',
];

async function environmentSeen(
  sandbox: Sandbox,
  agentFields: Record<string, unknown>,
): Promise<Record<string, string>> {
  const dump = path.join(sandbox.root, 'agent-env.json');
  const agent = path.join(sandbox.root, 'env-agent.cjs');
  fs.writeFileSync(
    agent,
    "require('node:fs').writeFileSync(process.env.DUMP_FILE, JSON.stringify(process.env));\n",
  );
  sandbox.writeConfig({
    agent: {
      kind: 'command',
      command: process.execPath,
      args: [agent],
      prompt: 'file',
      env: { DUMP_FILE: dump },
      ...agentFields,
    },
    maxAttempts: 1,
    rounds: { max: 1 },
  });
  const result = await runCli(['run', '--config', sandbox.configPath, '--headless'], {
    cwd: sandbox.root,
    env: { FAKE_SECRET_TOKEN, OTHER_API_KEY, NODE_OPTIONS: '--no-warnings' },
  });
  // The agent made no commit: the unit fails, but it ran.
  expect(result.exitCode, result.stderr + result.stdout).toBe(ExitCode.unitsUnfinished);
  return JSON.parse(fs.readFileSync(dump, 'utf8')) as Record<string, string>;
}

describe("the agent's environment", () => {
  const sandbox = useSandbox();

  it('holds the allowlist, the attempt’s GAFFER_* variables and the config’s env, and nothing else', async () => {
    const env = await environmentSeen(sandbox(), {});

    expect(env).not.toHaveProperty('FAKE_SECRET_TOKEN');
    expect(env).not.toHaveProperty('OTHER_API_KEY');
    expect(env).not.toHaveProperty('NODE_OPTIONS');
    // runCli gives gaffer GIT_CEILING_DIRECTORIES and vitest gives it its own variables: none pass.
    expect(env).not.toHaveProperty('GIT_CEILING_DIRECTORIES');
    const unexpected = Object.keys(env).filter(
      (name) =>
        !matchesEnvPattern(name, BASE_AGENT_ENV) && !GAFFER_VARIABLES.includes(name) && name !== 'DUMP_FILE',
    );
    expect(unexpected).toEqual([]);
    expect(env.PATH).toBe(process.env.PATH);
    expect(env).toMatchObject({ GAFFER_RUN_ID: '1', GAFFER_UNIT_ID: 'hello', GAFFER_ATTEMPT: '1' });
    expect(fs.existsSync(env.GAFFER_PROMPT_FILE ?? '')).toBe(true);
  });

  it('holds a variable that passEnv names, and still not the others', async () => {
    const env = await environmentSeen(sandbox(), { passEnv: ['OTHER_API_KEY'] });

    expect(env.OTHER_API_KEY).toBe(OTHER_API_KEY);
    expect(env).not.toHaveProperty('FAKE_SECRET_TOKEN');
  });
});
