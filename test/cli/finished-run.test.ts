import { afterEach, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { git, makeSandbox, removeTempDir, runCli, runGaffer, type Sandbox } from '../helpers/cli.js';

let sandbox: Sandbox | undefined;
afterEach(() => removeTempDir(sandbox?.root));

const plan = {
  name: 'finished',
  units: [
    { id: 'lands', title: 'lands', prompt: '@write lands.txt l\n@commit lands' },
    { id: 'after', title: 'after', prompt: '@write after.txt a\n@commit after', depends_on: ['lands'] },
    { id: 'red', title: 'never passes', prompt: '@write BROKEN.txt x\n@commit red' },
  ],
};
const check = {
  name: 'no-broken',
  command: ['node', '-e', "process.exit(require('fs').existsSync('BROKEN.txt') ? 1 : 0)"],
};

function runRows(sandbox: Sandbox): { id: number; status: string }[] {
  const store = Store.open(sandbox.databasePath, { readonly: true });
  try {
    return store.db.prepare('SELECT id, status FROM runs ORDER BY id').all() as {
      id: number;
      status: string;
    }[];
  } finally {
    store.close();
  }
}

it('a completed run is finished: `gaffer run` again does nothing; --new-run skips what already landed; its failed work is kept out of `git branch` until `gaffer clean`', async () => {
  sandbox = makeSandbox();
  sandbox.writeConfig({ maxAttempts: 1, checks: [check] });
  sandbox.writePlan(plan);
  const first = await runGaffer(sandbox);
  expect(first.stderr).toBe('');
  expect(first.exitCode).toBe(10);
  const working = git(sandbox.repo, 'rev-parse', 'gaffer/working');
  // The rejected attempt's work is kept, but not as a branch.
  expect(git(sandbox.repo, 'branch', '--list', 'gaffer/run-*').trim()).toBe('');
  const kept = git(sandbox.repo, 'for-each-ref', '--format=%(refname)', 'refs/gaffer/attempts/').trim();
  expect(kept).toBe('refs/gaffer/attempts/run-1/red/attempt-1');

  const again = await runGaffer(sandbox);
  expect(again.stderr).toBe('');
  // The same result as the run it reports, and nothing started.
  expect(again.exitCode).toBe(10);
  expect(again.stdout).toContain('run #1 of plan "finished" has already completed: nothing to do');
  expect(again.stdout).toContain('gaffer run --new-run');
  expect(runRows(sandbox)).toEqual([{ id: 1, status: 'completed' }]);
  expect(git(sandbox.repo, 'rev-parse', 'gaffer/working')).toBe(working);

  const fresh = await runGaffer(sandbox, '--new-run');
  expect(fresh.stderr).toBe('');
  expect(fresh.exitCode).toBe(10);
  expect(fresh.stdout).toMatch(
    /lands: already in gaffer\/working \(merged by run #1 at [0-9a-f]{10}\): not done again/,
  );
  expect(fresh.stdout).toMatch(/after: already in gaffer\/working \(merged by run #1/);
  expect(runRows(sandbox)).toEqual([
    { id: 1, status: 'completed' },
    { id: 2, status: 'completed' },
  ]);
  const store = Store.open(sandbox.databasePath, { readonly: true });
  try {
    expect(store.units.all(2).map((unit) => [unit.id, unit.status])).toEqual([
      ['lands', 'done'],
      ['after', 'done'],
      ['red', 'failed'],
    ]);
    // Only the red unit was attempted again; nothing was merged twice.
    expect(store.attempts.forRun(2).map((attempt) => attempt.unit_id)).toEqual(['red']);
    expect(store.merges.forRun(2).filter((merge) => merge.status === 'merged')).toEqual([]);
  } finally {
    store.close();
  }
  expect(git(sandbox.repo, 'rev-parse', 'gaffer/working')).toBe(working);
  expect(
    git(sandbox.repo, 'log', '--format=%s', 'gaffer/working')
      .split('\n')
      .filter((s) => s === 'lands'),
  ).toHaveLength(1);

  const clean = await runCli(['clean', '--config', sandbox.configPath]);
  expect(clean.stderr).toBe('');
  expect(clean.exitCode).toBe(0);
  expect(clean.stdout).toContain('removed 2 kept attempt branch(es) under refs/gaffer/attempts/');
  expect(git(sandbox.repo, 'for-each-ref', 'refs/gaffer/attempts/').trim()).toBe('');
});
