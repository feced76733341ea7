import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { ConfigError, ExitCode } from '../../src/errors.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-config-errors-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeConfig(value: unknown): string {
  const file = path.join(dir, 'gaffer.json');
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

/** Loads and returns the ConfigError it must throw, after checking its class and exit code. */
function configErrorFrom(load: () => unknown): ConfigError {
  let caught: unknown;
  try {
    load();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const error = caught as ConfigError;
  expect(error.exitCode).toBe(ExitCode.config);
  expect(error.code).toBe('config');
  return error;
}

describe('config errors', () => {
  it('worker hosts: no slot anywhere, a relative workdir, a duplicate or reserved name are each named with the fix', () => {
    expect(configErrorFrom(() => parseConfig({ local: { slots: 0 } }, 'gaffer.json')).message).toMatch(
      /local\.slots.*is 0 and no hosts are configured: no attempt could ever run/,
    );
    const host = { name: 'build-1', ssh: 'dev@build-1', workdir: '/srv/gaffer' };
    const message = configErrorFrom(() =>
      parseConfig(
        { hosts: [host, { ...host, workdir: 'gaffer' }, { ...host, name: 'local' }] },
        'gaffer.json',
      ),
    ).message;
    expect(message).toMatch(/hosts\.1\.name.*duplicate host name "build-1"/);
    expect(message).toMatch(/hosts\.1\.workdir.*must be an absolute path on the host/);
    expect(message).toMatch(/hosts\.2\.name.*"local" names this machine's own slots/);
  });

  it('a missing file says how to create one', () => {
    const missing = path.join(dir, 'nope.json');
    const error = configErrorFrom(() => loadConfig(missing));
    expect(error.message).toBe(
      `config file not found: ${missing}. Create one with \`gaffer init\` or pass --config <file>`,
    );
  });

  it('a folder instead of a file is named as such', () => {
    const error = configErrorFrom(() => loadConfig(dir));
    expect(error.message).toContain('is a folder');
  });

  it('broken JSON names the line and column and shows the line', () => {
    const file = writeConfig('{\n  "concurrency": 3,\n  "maxAttempts": 2,\n}\n');
    const error = configErrorFrom(() => loadConfig(file));
    expect(error.message).toContain(file);
    expect(error.message).toContain('not valid JSON at line 4, column 1');
    expect(error.message).toContain('trailing commas');
    expect(error.message).toContain('4 | }');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('an empty file is called empty', () => {
    const error = configErrorFrom(() => loadConfig(writeConfig('  \n')));
    expect(error.message).toContain('the file is empty');
  });

  it('lists every bad field by its dotted path in one message', () => {
    const file = writeConfig({
      concurrency: 0,
      maxAttempts: 'three',
      branches: { base: '' },
      agent: { kind: 'command' },
      checks: [{ name: 'has space', command: ['npm', 'test'] }],
    });
    const error = configErrorFrom(() => loadConfig(file));
    expect(error.message).toContain(`${file} is invalid (5 problems):`);
    expect(error.message).toContain('  - concurrency: must be >= 1');
    expect(error.message).toContain('  - maxAttempts: expected an integer, got the string "three"');
    expect(error.message).toContain('  - branches.base: must not be empty');
    expect(error.message).toContain('  - agent.command: required: expected a string');
    expect(error.message).toContain('  - checks.0.name: may only contain letters, digits');
  });

  it('an unknown key is named with the key it probably meant', () => {
    const file = writeConfig({ concurency: 3, ring: { line: 10 }, surprise: true });
    const error = configErrorFrom(() => loadConfig(file));
    expect(error.message).toContain('(3 problems)');
    expect(error.message).toContain('  - concurency: unknown key (did you mean "concurrency"?)');
    expect(error.message).toContain('  - surprise: unknown key (allowed here: repo, plan, branches');
    expect(error.message).toContain('  - ring.line: unknown key (did you mean "lines"?)');
  });

  it('a check command given as a shell string is rejected with the argv hint', () => {
    const file = writeConfig({
      checks: [
        { name: 'tests', command: 'npm test' },
        { name: 'piped', command: 'npm test | tee out.log' },
      ],
    });
    const error = configErrorFrom(() => loadConfig(file));
    expect(error.message).toContain(
      '  - checks.0.command: expected an argv array like ["npm","test"], never a shell string: write ["npm","test"]',
    );
    expect(error.message).toContain(
      'checks.1.command: expected an argv array like ["npm","test"], never a shell string',
    );
    expect(error.message).toContain('["sh","-c","npm test | tee out.log"]');
  });

  it('an empty check command is rejected', () => {
    const error = configErrorFrom(() => parseConfig({ checks: [{ name: 'x', command: [] }] }, 'inline'));
    expect(error.message).toContain('checks.0.command: must name at least the program to run');
  });

  it('duplicate check names are an error naming the name', () => {
    const file = writeConfig({
      checks: [
        { name: 'tests', command: ['npm', 'test'] },
        { name: 'lint', command: ['npx', 'eslint', '.'] },
        { name: 'tests', command: ['npx', 'vitest', 'run'] },
      ],
    });
    const error = configErrorFrom(() => loadConfig(file));
    expect(error.message).toContain(
      '  - checks.2.name: duplicate check name "tests" (also used by checks.0); check names must be unique',
    );
  });

  it('an unknown agent kind lists the kinds there are', () => {
    const error = configErrorFrom(() => parseConfig({ agent: { kind: 'gpt' } }, 'inline config'));
    expect(error.message).toContain('config inline config is invalid (1 problem):');
    expect(error.message).toContain(
      'agent.kind: expected one of "scripted" | "claude" | "codex" | "aider" | "command", got the string "gpt"',
    );
  });

  it('a JSON value that is not an object is reported at the top level', () => {
    const error = configErrorFrom(() => loadConfig(writeConfig('[1, 2]')));
    expect(error.message).toContain('(top level): expected an object, got an array');
  });
});
