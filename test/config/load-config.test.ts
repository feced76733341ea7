import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, resolveConfigPaths } from '../../src/config/load.js';
import { ConfigSchema, DEFAULT_PASS_ENV } from '../../src/config/schema.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-config-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeConfig(value: unknown, name = 'gaffer.json'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

describe('loadConfig', () => {
  it('fills every default from an empty object and resolves paths against the config folder', () => {
    const file = writeConfig({});
    const { config, configPath, baseDir } = loadConfig(file);
    expect(configPath).toBe(file);
    expect(baseDir).toBe(dir);
    expect(config).toEqual({
      repo: dir,
      plan: undefined,
      branches: { base: 'main', working: 'gaffer/working', green: 'gaffer/green' },
      stateDir: path.join(dir, '.gaffer'),
      concurrency: 2,
      maxAttempts: 3,
      attemptTimeoutMs: 1_800_000,
      killGraceMs: 2000,
      agent: { kind: 'scripted', env: {}, passEnv: [], autoCommit: false },
      checks: [],
      rounds: { max: 3 },
      merge: { batchSize: 1, verifiers: 1, confirmFailures: true },
      ring: { lines: 500, bytes: 262_144 },
      stallMs: 300_000,
      retryBackoffMs: 30_000,
      warmRetry: true,
      budget: { onLimit: 'finish' },
      setup: [],
      setupTimeoutMs: 600_000,
      copyFiles: [],
      hooks: {},
      hookTimeoutMs: 10_000,
      hosts: [],
      local: {},
      notify: { bell: false, desktop: false },
      planner: { maxUnits: 100, timeoutMs: 600_000 },
      discovery: {
        mode: 'confirm',
        maxPerRound: 5,
        timeoutMs: 600_000,
        fromHealth: true,
        fromHandoffs: true,
      },
      fixup: 'propose',
    });
  });

  it('keeps given values and fills the rest of partially given sections', () => {
    const file = writeConfig({
      repo: 'target',
      plan: 'plans/p.json',
      stateDir: 'state',
      branches: { base: 'trunk' },
      checks: [{ name: 'lint', command: ['npx', 'eslint', '.'], gate: false }],
    });
    const { config } = loadConfig(file);
    expect(config.repo).toBe(path.join(dir, 'target'));
    expect(config.plan).toBe(path.join(dir, 'plans', 'p.json'));
    expect(config.stateDir).toBe(path.join(dir, 'target', 'state'));
    expect(config.branches).toEqual({ base: 'trunk', working: 'gaffer/working', green: 'gaffer/green' });
    expect(config.checks).toEqual([
      { name: 'lint', command: ['npx', 'eslint', '.'], timeoutMs: 600_000, gate: false, parser: 'exit-code' },
    ]);
  });

  it('accepts a byte order mark before the JSON', () => {
    const file = writeConfig('\ufeff{"concurrency": 4}');
    expect(loadConfig(file).config.concurrency).toBe(4);
  });

  it('validates config.example.json at the top of the repository', () => {
    const example = fileURLToPath(new URL('../../config.example.json', import.meta.url));
    const { config, baseDir } = loadConfig(example);
    expect(config.agent.kind).toBe('claude');
    expect(config.concurrency).toBe(3);
    expect(config.plan).toBe(path.join(baseDir, 'plan.json'));
    expect(config.checks.map((check) => check.name)).toEqual(['tests', 'types', 'lint']);
    expect(config.checks[1]).toEqual({
      name: 'types',
      command: ['npx', 'tsc', '--noEmit'],
      timeoutMs: 600_000,
      gate: true,
      parser: 'tsc',
    });
  });
});

describe('agent defaults', () => {
  it.each([
    ['claude', 'claude', true],
    ['codex', 'codex', true],
    ['aider', 'aider', false],
  ] as const)('%s runs %s with autoCommit %s', (kind, command, autoCommit) => {
    const config = parseConfig({ agent: { kind } }, 'test');
    expect(config.agent).toEqual({
      kind,
      command,
      args: [],
      env: {},
      passEnv: [...DEFAULT_PASS_ENV[kind]],
      autoCommit,
    });
  });

  it('a command agent needs its command and reads the prompt from stdin by default', () => {
    const config = parseConfig(
      { agent: { kind: 'command', command: './my-agent', args: ['--fast'] } },
      'test',
    );
    expect(config.agent).toEqual({
      kind: 'command',
      command: './my-agent',
      args: ['--fast'],
      prompt: 'stdin',
      output: 'text',
      env: {},
      passEnv: [],
      autoCommit: false,
    });
  });
});

describe('parseConfig and resolveConfigPaths', () => {
  it('leaves paths as given so the caller decides the base folder', () => {
    const config = parseConfig({ repo: 'r', plan: 'p.json' }, 'demo config');
    expect(config.repo).toBe('r');
    const resolved = resolveConfigPaths(config, '/base');
    expect(resolved).toMatchObject({ repo: '/base/r', plan: '/base/p.json', stateDir: '/base/r/.gaffer' });
  });

  it('is idempotent on already resolved configs', () => {
    const once = resolveConfigPaths(ConfigSchema.parse({ repo: 'r', stateDir: '/abs/state' }), '/base');
    expect(resolveConfigPaths(once, '/elsewhere')).toEqual(once);
    expect(once.stateDir).toBe('/abs/state');
  });
});
