import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import {
  expectRefusal,
  makeSandbox,
  removeTempDir,
  runCli,
  runGaffer,
  type Sandbox,
} from '../helpers/cli.js';

let sandbox: Sandbox | undefined;
afterEach(() => removeTempDir(sandbox?.root));

const plan = {
  name: 'prompted',
  objective: 'Give the repository a root and a leaf.',
  units: [
    {
      id: 'root',
      title: 'The root',
      prompt: '@write root.txt r\n@commit add root\n@handoff done wrote the root file',
    },
    {
      id: 'leaf',
      title: 'The leaf',
      prompt: '@fail-first 1\n@write leaf.txt l\n@commit add leaf\n@handoff done wrote the leaf',
      depends_on: ['root'],
    },
  ],
};

it('prints what the next attempt of a unit gets, says warm or cold and why, and the scheduler sends exactly that', async () => {
  sandbox = makeSandbox();
  sandbox.writeConfig({ maxAttempts: 1, rounds: { max: 1 }, checks: [{ name: 'noop', command: ['true'] }] });
  sandbox.writePlan(plan);
  const prompt = (...args: string[]) => runCli(['prompt', ...args, '--config', sandbox!.configPath]);

  // No run yet: the first attempt, from the plan alone.
  const before = await prompt('root');
  expect(before.exitCode).toBe(0);
  expect(before.stderr).toBe(
    'gaffer: attempt 1 of root would start cold: the first attempt (no run recorded in ' +
      `${sandbox.stateDir} yet)`,
  );
  expect(
    before.stdout.startsWith(
      '## Objective\n\nGive the repository a root and a leaf.\n\n# The root (unit root)\n',
    ),
  ).toBe(true);
  expect(before.stdout).toContain('GAFFER_RESULT');

  const first = await runGaffer(sandbox);
  expect(first.exitCode).toBe(10);

  const leaf = await prompt('leaf');
  expect(leaf.exitCode).toBe(0);
  expect(leaf.stderr).toBe(
    "gaffer: attempt 2 of leaf in run #1 (now failed) would start cold: after attempt 1: the agent's failure; " +
      "it runs again only after an operator's retry (a fresh start)",
  );
  const lines = leaf.stdout.split('\n');
  const section = lines.indexOf('## What its dependencies did');
  expect(section).toBeGreaterThan(lines.indexOf('# The leaf (unit leaf)'));
  expect(lines.slice(section + 2, section + 6)).toEqual([
    '- root (The root), done:',
    '    wrote the root file',
    '  files changed:',
    '    root.txt',
  ]);
  expect(leaf.stdout).toContain(
    "## How the previous attempt ended\n\nAttempt 1: the agent's failure.\n\n    Attempt 1 the agent exited with code 1",
  );
  expect(leaf.stdout).toContain('    [agent] failing attempt 1 on purpose (fail-first 1)');

  const done = await prompt('root');
  expect(done.exitCode).toBe(0);
  expect(done.stdout).toBe('');
  expect(done.stderr).toMatch(/^gaffer: root is done in run #1 \(.+\): it gets no further attempt$/);

  expectRefusal(await prompt('lef'), 2, ['there is no unit "lef" in run #1 (units: root, leaf)']);
  expectRefusal(await prompt(), 2, ['name the unit: `gaffer prompt <unit>`']);
  expectRefusal(await prompt('leaf', '--run', '7'), 2, ['there is no run #7']);

  // After the operator's retry: a fresh start, and the attempt gets exactly the printed prompt.
  expect((await runCli(['retry', 'leaf', '--config', sandbox.configPath])).exitCode).toBe(0);
  const retried = await prompt('leaf', '--run', '1');
  expect(retried.stderr).toContain(
    "would start cold: after attempt 1: the agent's failure, then retried by the operator",
  );
  const second = await runGaffer(sandbox);
  expect(second.exitCode).toBe(0);
  const sent = fs.readFileSync(path.join(sandbox.stateDir, 'prompts', 'run-1', 'leaf-attempt-2.md'), 'utf8');
  // execa drops the output's last newline.
  expect(sent).toBe(`${retried.stdout}\n`);
  const log = fs.readFileSync(path.join(sandbox.stateDir, 'logs', 'run-1', 'leaf-attempt-2.log'), 'utf8');
  expect(log.split('\n')[0]).toBe(
    "gaffer: attempt 2 of leaf starts cold: after attempt 1: the agent's failure, then retried by the operator (a fresh start)",
  );
});
