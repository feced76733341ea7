import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import {
  branchList,
  expectRefusal,
  expectUntouched,
  makeSandbox,
  removeTempDir,
  runCli,
  runGaffer,
  writeJson,
  type Sandbox,
} from '../helpers/cli.js';

describe('gaffer run: a bad config file', () => {
  let sandbox: Sandbox;
  let before: string[];
  beforeEach(() => {
    sandbox = makeSandbox();
    before = branchList(sandbox.repo);
  });
  afterEach(() => {
    try {
      expectUntouched(sandbox.repo, before);
    } finally {
      removeTempDir(sandbox.root);
    }
  });

  it('exits 3 when the config file is missing, saying gaffer init or --config', async () => {
    const missing = path.join(sandbox.root, 'missing.json');

    const result = await runCli(['run', '--config', missing, '--headless'], { cwd: sandbox.root });

    expectRefusal(result, ExitCode.config, [
      'config file not found',
      missing,
      'gaffer init',
      '--config <file>',
    ]);
  });

  it('exits 3 when no --config is given and there is no gaffer.json in the current folder', async () => {
    const result = await runCli(['run', '--headless'], { cwd: sandbox.repo });

    expectRefusal(result, ExitCode.config, [
      'config file not found',
      path.join(sandbox.repo, 'gaffer.json'),
      '--config',
    ]);
  });

  it('exits 3 when the config is not JSON, pointing at the line and the usual mistakes', async () => {
    fs.writeFileSync(sandbox.configPath, '{\n  "repo": "repo",\n  "plan": "plan.json",\n}\n');

    const result = await runGaffer(sandbox);

    expectRefusal(result, ExitCode.config, [
      sandbox.configPath,
      'not valid JSON',
      'line 4',
      'trailing commas',
    ]);
  });

  it('exits 3 on an empty config file', async () => {
    fs.writeFileSync(sandbox.configPath, '');

    const result = await runGaffer(sandbox);

    expectRefusal(result, ExitCode.config, [sandbox.configPath, 'empty', 'JSON object']);
  });

  it('exits 3 naming every field that fails the schema, each with what was expected', async () => {
    writeJson(sandbox.configPath, {
      repo: 5,
      plan: 'plan.json',
      concurrency: 0,
      agent: { kind: 'robot' },
      checks: [{ name: 'tests', command: 'npm test' }],
      colour: true,
    });

    const result = await runGaffer(sandbox);

    const stderr = expectRefusal(result, ExitCode.config, [
      `${sandbox.configPath} is invalid (5 problems)`,
      /- repo: expected a string, got the number 5/,
      /- concurrency: must be >= 1/,
      /- agent\.kind: expected one of "scripted" \| .*"command", got the string "robot"/,
      /- checks\.0\.command: expected an argv array .* write \["npm","test"\]/,
      /- colour: unknown key \(allowed here: repo, plan, /,
    ]);
    expect(stderr.split('\n').filter((line) => line.startsWith('  - '))).toHaveLength(5);
  });

  it('suggests the key a typo meant', async () => {
    writeJson(sandbox.configPath, { repo: 'repo', plan: 'plan.json', concurency: 2 });

    const result = await runGaffer(sandbox);

    expectRefusal(result, ExitCode.config, ['concurency: unknown key (did you mean "concurrency"?)']);
  });

  it('exits 3 when the config is JSON but not an object', async () => {
    writeJson(sandbox.configPath, ['repo']);

    const result = await runGaffer(sandbox);

    expectRefusal(result, ExitCode.config, [sandbox.configPath, 'is invalid', 'expected an object']);
  });
});
