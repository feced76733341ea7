import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { git, makeTempDir, removeTempDir, runCli } from '../helpers/cli.js';

let dir: string | undefined;
afterEach(() => removeTempDir(dir));

interface Summary {
  type: 'summary';
  status: string;
  units: Record<string, number>;
  unitIds: Record<string, string[]>;
  merges: number;
  rejected: number;
  rejectedBy: Record<string, number>;
  greenCommit: string;
  workingCommit: string;
  databasePath: string;
  spend: { inputTokens: number; outputTokens: number; costUsd: number | null };
}

it('the demo runs the embedded sample headless and exercises every path of a mission', async () => {
  dir = makeTempDir();
  const result = await runCli(['demo', '--dir', dir, '--json'], { timeoutMs: 120_000 });
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  const events = result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { type: string; unitId?: string; to?: string; class?: string });
  const summary = events.at(-1) as unknown as Summary;
  expect(summary).toMatchObject({
    type: 'summary',
    status: 'completed',
    merges: 6,
    rejected: 1,
    rejectedBy: { red: 1 },
  });
  expect(summary.unitIds).toMatchObject({
    done: ['math-core', 'math-divide', 'stats', 'strings', 'greeting', 'report'],
    failed: ['dates'],
    blocked: ['calendar'],
  });
  expect(fs.existsSync(summary.databasePath)).toBe(true);
  // The sample's agents report usage (@cost): the summary sums every attempt's.
  expect(summary.spend.costUsd).toBeGreaterThan(0.2);
  expect(summary.spend.inputTokens).toBeGreaterThan(40_000);

  const repo = path.join(dir, 'sample');
  // Green holds only verified commits, and here it caught up with working.
  expect(summary.greenCommit).toBe(summary.workingCommit);
  expect(git(repo, 'rev-parse', 'gaffer/green').trim()).toBe(summary.greenCommit);
  const tree = git(repo, 'ls-tree', '-r', '--name-only', 'gaffer/green').trim().split('\n');
  expect(tree).toEqual(
    expect.arrayContaining([
      'src/math.js',
      'src/stats.js',
      'src/strings.js',
      'src/report.js',
      'test/report.test.js',
    ]),
  );
  expect(tree).not.toContain('src/calendar.js');
  // The greeting's first branch broke the tests and was rejected; its retry landed.
  expect(
    events.filter((event) => event.type === 'merge:rejected').map((event) => [event.unitId, event.class]),
  ).toEqual([['greeting', 'red']]);
  expect(git(repo, 'show', 'gaffer/green:src/greet.js')).toContain('Hello, ${name}!');
  // Units ran in parallel: a second attempt started before the first one ended.
  const firstEnd = events.findIndex((event) => event.type === 'attempt:ended');
  expect(
    events.slice(0, firstEnd).filter((event) => event.type === 'attempt:started').length,
  ).toBeGreaterThan(1);
});
