import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { DEFAULT_PASS_ENV } from '../../src/config/schema.js';
import {
  agentEnvironment,
  BASE_AGENT_ENV,
  matchesEnvPattern,
  replacingEnvironment,
} from '../../src/workers/agent-env.js';

/** What every agent gets of the supervisor environment below. */
const baseOnly = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: '/home/op',
  USER: 'op',
  LOGNAME: 'op',
  SHELL: '/bin/zsh',
  LANG: 'en_GB.UTF-8',
  LC_ALL: 'en_GB.UTF-8',
  LC_CTYPE: 'UTF-8',
  TERM: 'xterm-256color',
  TZ: 'Europe/London',
  TMPDIR: '/tmp',
  HTTPS_PROXY: 'http://proxy:3128',
  no_proxy: 'localhost',
  NODE_EXTRA_CA_CERTS: '/etc/ssl/corp.pem',
};

/** A supervisor environment with everything an operator's shell tends to hold. */
const supervisor: NodeJS.ProcessEnv = {
  ...baseOnly,
  ANTHROPIC_API_KEY: 'sk-ant-from-shell',
  ANTHROPIC_BASE_URL: 'https://gateway.example',
  CLAUDE_CODE_USE_BEDROCK: '1',
  CLAUDE_CODEX: 'not a CLAUDE_CODE_ variable',
  OPENAI_API_KEY: 'sk-openai-from-shell',
  OPENROUTER_API_KEY: 'or-from-shell',
  AIDER_MODEL: 'sonnet',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  AWS_SESSION_TOKEN: 'aws-session',
  GITHUB_TOKEN: 'ghp-from-shell',
  GIT_DIR: '/elsewhere/.git',
  GIT_AUTHOR_NAME: 'op',
  NODE_OPTIONS: '--require /tmp/hook.js',
  FAKE_SECRET_TOKEN: 'fake',
  GAFFER_DEBUG: '1',
};

function agentOf(agent: Record<string, unknown>) {
  return parseConfig({ agent }, 'test').agent;
}

describe('agentEnvironment', () => {
  it('gives scripted and command agents the base allowlist and nothing else', () => {
    expect(agentEnvironment(agentOf({ kind: 'scripted' }), supervisor)).toEqual(baseOnly);
    expect(agentEnvironment(agentOf({ kind: 'command', command: './a' }), supervisor)).toEqual(baseOnly);
  });

  it('gives claude its own variables by default, CLAUDE_CODE_* as a prefix', () => {
    expect(agentEnvironment(agentOf({ kind: 'claude' }), supervisor)).toEqual({
      ...baseOnly,
      ANTHROPIC_API_KEY: 'sk-ant-from-shell',
      ANTHROPIC_BASE_URL: 'https://gateway.example',
      CLAUDE_CODE_USE_BEDROCK: '1',
    });
  });

  it('gives codex and aider their own variables by default', () => {
    expect(agentEnvironment(agentOf({ kind: 'codex' }), supervisor)).toEqual({
      ...baseOnly,
      OPENAI_API_KEY: 'sk-openai-from-shell',
    });
    expect(agentEnvironment(agentOf({ kind: 'aider' }), supervisor)).toEqual({
      ...baseOnly,
      OPENAI_API_KEY: 'sk-openai-from-shell',
      ANTHROPIC_API_KEY: 'sk-ant-from-shell',
      OPENROUTER_API_KEY: 'or-from-shell',
      AIDER_MODEL: 'sonnet',
    });
  });

  it('passes what passEnv names, and a given passEnv replaces the default', () => {
    const agent = agentOf({ kind: 'claude', passEnv: ['GITHUB_TOKEN', 'AWS_*', 'NOT_SET'] });
    expect(agentEnvironment(agent, supervisor)).toEqual({
      ...baseOnly,
      GITHUB_TOKEN: 'ghp-from-shell',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      AWS_SESSION_TOKEN: 'aws-session',
    });
  });

  it('lets env literals win over the supervisor and add variables of their own', () => {
    const agent = agentOf({
      kind: 'command',
      command: './a',
      passEnv: ['OPENAI_API_KEY'],
      env: { OPENAI_API_KEY: 'from-config', HOME: '/sandbox', EXTRA: 'x' },
    });
    expect(agentEnvironment(agent, supervisor)).toMatchObject({
      OPENAI_API_KEY: 'from-config',
      HOME: '/sandbox',
      EXTRA: 'x',
    });
  });

  it('never passes GIT_*, NODE_OPTIONS, cloud credentials or gaffer’s own settings by default', () => {
    for (const kind of ['scripted', 'claude', 'codex', 'aider'] as const) {
      const env = agentEnvironment(agentOf({ kind }), supervisor);
      for (const name of [
        'GIT_DIR',
        'GIT_AUTHOR_NAME',
        'NODE_OPTIONS',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_SESSION_TOKEN',
        'GITHUB_TOKEN',
        'FAKE_SECRET_TOKEN',
        'GAFFER_DEBUG',
        'CLAUDE_CODEX',
      ])
        expect(env, `${kind} got ${name}`).not.toHaveProperty(name);
    }
  });

  it('matches names exactly and `*` only as a prefix', () => {
    expect(matchesEnvPattern('LC_ALL', BASE_AGENT_ENV)).toBe(true);
    expect(matchesEnvPattern('LC', BASE_AGENT_ENV)).toBe(false);
    expect(matchesEnvPattern('PATHEXT', BASE_AGENT_ENV)).toBe(false);
    expect(matchesEnvPattern('XPATH', BASE_AGENT_ENV)).toBe(false);
    expect(matchesEnvPattern('path', BASE_AGENT_ENV)).toBe(false);
  });
});

describe('passEnv in the config', () => {
  it('defaults per kind', () => {
    expect(agentOf({ kind: 'scripted' }).passEnv).toEqual([]);
    expect(agentOf({ kind: 'command', command: './a' }).passEnv).toEqual([]);
    expect(agentOf({ kind: 'claude' }).passEnv).toEqual([...DEFAULT_PASS_ENV.claude]);
    expect(agentOf({ kind: 'codex' }).passEnv).toEqual([
      'CODEX_API_KEY',
      'OPENAI_API_KEY',
      'OPENAI_BASE_URL',
      'CODEX_HOME',
    ]);
    expect(agentOf({ kind: 'aider' }).passEnv).toContain('AIDER_*');
  });

  it('gives each parse its own default list', () => {
    const first = agentOf({ kind: 'claude' });
    first.passEnv.push('MUTATED');
    expect(agentOf({ kind: 'claude' }).passEnv).not.toContain('MUTATED');
  });

  it.each([['*'], ['A B'], ['FOO*BAR'], ['1ABC'], [''], ['FOO=bar']])('refuses the entry %j', (entry) => {
    expect(() => agentOf({ kind: 'command', command: './a', passEnv: [entry] })).toThrow(/passEnv/);
  });
});

describe('replacingEnvironment, through a real child process', () => {
  it('leaves the child exactly the wanted variables, though the spawner merges over its own', async () => {
    const inherited = { ...process.env, FAKE_SECRET_TOKEN: 'leak-me', OTHER_API_KEY: 'leak-me-too' };
    const wanted = { PATH: process.env.PATH ?? '/usr/bin:/bin', ONLY_THIS: 'yes' };
    const child = await execa(
      process.execPath,
      ['-e', 'process.stdout.write(JSON.stringify(Object.keys(process.env).sort()))'],
      // extendEnv merges over the parent's environment, as runSupervised does.
      { env: replacingEnvironment(inherited, wanted), extendEnv: true },
    );
    const seen = JSON.parse(child.stdout) as string[];
    expect(seen.filter((name) => name !== 'PATH' && name !== 'ONLY_THIS')).toEqual([]);
    expect(seen).toEqual(['ONLY_THIS', 'PATH']);
  });
});
