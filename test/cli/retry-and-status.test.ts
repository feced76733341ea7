import { afterEach, expect, it } from 'vitest';
import { git, makeSandbox, removeTempDir, runCli, runGaffer, type Sandbox } from '../helpers/cli.js';

let sandbox: Sandbox | undefined;
afterEach(() => removeTempDir(sandbox?.root));

interface StatusJson {
  run: { id: number; status: string; rounds: number };
  units: {
    id: string;
    status: string;
    strikes: number;
    attempts: { number: number; outcome: string; log: string }[];
  }[];
  mergeQueue: { unit: string; status: string; class: string | null }[];
  health: { passed: boolean; checks: { name: string; passed: boolean }[] } | null;
}

it('an operator retry sends a failed unit and the units it blocked back to work, and status shows every step', async () => {
  sandbox = makeSandbox();
  sandbox.writeConfig({ maxAttempts: 1, rounds: { max: 1 }, checks: [{ name: 'noop', command: ['true'] }] });
  sandbox.writePlan({
    name: 'retry',
    units: [
      { id: 'root', title: 'fails once', prompt: '@fail-first 1\n@write root.txt r\n@commit root' },
      { id: 'leaf', title: 'needs root', prompt: '@write leaf.txt l\n@commit leaf', depends_on: ['root'] },
    ],
  });
  const first = await runGaffer(sandbox);
  expect(first.exitCode).toBe(10);
  expect(first.stdout).toContain('1 failed (root), 1 blocked (leaf)');

  const failedStatus = await runCli(['status', '--config', sandbox.configPath, '--json']);
  expect(failedStatus.exitCode).toBe(0);
  const before = JSON.parse(failedStatus.stdout) as StatusJson;
  expect(before.run).toMatchObject({ id: 1, status: 'completed', rounds: 1 });
  expect(before.units.map((unit) => [unit.id, unit.status, unit.attempts.length])).toEqual([
    ['root', 'failed', 1],
    ['leaf', 'blocked', 0],
  ]);
  expect(before.health).toMatchObject({ passed: true, checks: [{ name: 'noop', passed: true }] });

  const refused = await runCli(['retry', 'leaf-typo', '--config', sandbox.configPath]);
  expect(refused.exitCode).toBe(2);
  expect(refused.stderr).toContain('has no unit "leaf-typo" (units: root, leaf)');

  const retry = await runCli(['retry', 'root', '--config', sandbox.configPath]);
  expect(retry.exitCode).toBe(0);
  expect(retry.stdout).toMatch(/root\s+failed -> pending: retried by the operator/);
  expect(retry.stdout).toMatch(/leaf\s+blocked -> pending: dependency root retried/);

  const second = await runGaffer(sandbox);
  expect(second.stderr).toBe('');
  expect(second.exitCode).toBe(0);
  expect(second.stdout).toMatch(/run\s+#1\s+resumed/);
  expect(git(sandbox.repo, 'ls-tree', '--name-only', 'gaffer/working')).toContain('leaf.txt');

  const text = await runCli(['status', '--config', sandbox.configPath]);
  expect(text.stdout).toContain('run #1 of plan "retry": completed');
  expect(text.stdout).toMatch(/root\s+done/);
  expect(text.stdout).toMatch(/#1 \(round 1\) failed: the agent exited with code 1/);
  expect(text.stdout).toMatch(/merge queue\n\s+#1 root\s+merged [0-9a-f]{10}/);
  const after = JSON.parse(
    (await runCli(['status', '--config', sandbox.configPath, '--json'])).stdout,
  ) as StatusJson;
  expect(after.units.map((unit) => [unit.id, unit.status, unit.strikes])).toEqual([
    ['root', 'done', 0],
    ['leaf', 'done', 0],
  ]);
  expect(after.mergeQueue.map((merge) => [merge.unit, merge.status])).toEqual([
    ['root', 'merged'],
    ['leaf', 'merged'],
  ]);
});
