import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { expectRefusal, runCli, runGaffer, useSandbox, writeJson } from '../helpers/cli.js';

describe('gaffer run: a bad config file', () => {
  const sandbox = useSandbox({ untouched: true });

  it('exits 3 when the config file is missing, saying gaffer init or --config', async () => {
    const missing = path.join(sandbox().root, 'missing.json');

    const result = await runCli(['run', '--config', missing, '--headless'], { cwd: sandbox().root });

    expectRefusal(result, ExitCode.config, [
      'config file not found',
      missing,
      'gaffer init',
      '--config <file>',
    ]);
  });

  it('exits 3 when no --config is given and there is no gaffer.json in the current folder', async () => {
    const result = await runCli(['run', '--headless'], { cwd: sandbox().repo });

    expectRefusal(result, ExitCode.config, [
      'config file not found',
      path.join(sandbox().repo, 'gaffer.json'),
      '--config',
    ]);
  });

  // Each case: how gaffer.json gets broken, and what stderr must say (given the config's path).
  const badConfigs: {
    name: string;
    write: (configPath: string) => void;
    mentions: (configPath: string) => (string | RegExp)[];
  }[] = [
    {
      name: 'exits 3 when the config is not JSON, pointing at the line and the usual mistakes',
      write: (file) => fs.writeFileSync(file, '{\n  "repo": "repo",\n  "plan": "plan.json",\n}\n'),
      mentions: (file) => [file, 'not valid JSON', 'line 4', 'trailing commas'],
    },
    {
      name: 'exits 3 on an empty config file',
      write: (file) => fs.writeFileSync(file, ''),
      mentions: (file) => [file, 'empty', 'JSON object'],
    },
    {
      name: 'suggests the key a typo meant',
      write: (file) => writeJson(file, { repo: 'repo', plan: 'plan.json', concurency: 2 }),
      mentions: () => ['concurency: unknown key (did you mean "concurrency"?)'],
    },
    {
      name: 'exits 3 when the config is JSON but not an object',
      write: (file) => writeJson(file, ['repo']),
      mentions: (file) => [file, 'is invalid', 'expected an object'],
    },
  ];

  for (const { name, write, mentions } of badConfigs) {
    it(name, async () => {
      write(sandbox().configPath);

      const result = await runGaffer(sandbox());

      expectRefusal(result, ExitCode.config, mentions(sandbox().configPath));
    });
  }

  it('exits 3 naming every field that fails the schema, each with what was expected', async () => {
    writeJson(sandbox().configPath, {
      repo: 5,
      plan: 'plan.json',
      concurrency: 0,
      agent: { kind: 'robot' },
      checks: [{ name: 'tests', command: 'npm test' }],
      colour: true,
    });

    const result = await runGaffer(sandbox());

    const stderr = expectRefusal(result, ExitCode.config, [
      `${sandbox().configPath} is invalid (5 problems)`,
      /- repo: expected a string, got the number 5/,
      /- concurrency: must be >= 1/,
      /- agent\.kind: expected one of "scripted" \| .*"command", got the string "robot"/,
      /- checks\.0\.command: expected an argv array .* write \["npm","test"\]/,
      /- colour: unknown key \(allowed here: repo, plan, /,
    ]);
    expect(stderr.split('\n').filter((line) => line.startsWith('  - '))).toHaveLength(5);
  });
});
