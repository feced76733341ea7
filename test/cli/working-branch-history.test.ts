import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import {
  branchList,
  expectCompletedRun,
  expectRefusal,
  expectUntouched,
  git,
  runGaffer,
  useSandbox,
} from '../helpers/cli.js';

/** The commit a branch points at. */
function tip(repo: string, branch: string): string {
  return git(repo, 'rev-parse', `refs/heads/${branch}`).trim();
}

/** Creates `branch` as an orphan: one commit sharing no history with main. Returns its tip. */
function makeUnrelatedBranch(repo: string, branch: string): string {
  git(repo, 'switch', '--quiet', '--orphan', branch);
  fs.writeFileSync(path.join(repo, 'other.txt'), 'another project\n');
  git(repo, 'add', 'other.txt');
  git(repo, 'commit', '--quiet', '-m', 'Unrelated history');
  git(repo, 'switch', '--quiet', 'main');
  return tip(repo, branch);
}

describe('gaffer run: an existing working branch must descend from base', () => {
  const sandbox = useSandbox();

  it('exits 6 on a working branch with unrelated history, naming both tips and the three fixes', async () => {
    const workingTip = makeUnrelatedBranch(sandbox().repo, 'gaffer/working');
    const baseTip = tip(sandbox().repo, 'main');
    const before = branchList(sandbox().repo);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.branchMissing, [
      `the working branch "gaffer/working" (at ${workingTip.slice(0, 10)})`,
      `does not descend from the base branch "main" (at ${baseTip.slice(0, 10)})`,
      'unrelated history',
      'git branch -D gaffer/working',
      'set branches.working to a new name',
      'pass --adopt',
    ]);
    expectUntouched(sandbox().repo, before);
    expect(tip(sandbox().repo, 'gaffer/working')).toBe(workingTip);
  });

  it('exits 6 on a working branch on another line of work, naming where the lines split', async () => {
    const repo = sandbox().repo;
    const split = tip(repo, 'main');
    git(repo, 'switch', '--quiet', '-c', 'gaffer/working');
    fs.writeFileSync(path.join(repo, 'side.txt'), 'side\n');
    git(repo, 'add', 'side.txt');
    git(repo, 'commit', '--quiet', '-m', 'Side line');
    git(repo, 'switch', '--quiet', 'main');
    fs.writeFileSync(path.join(repo, 'main.txt'), 'main moved on\n');
    git(repo, 'add', 'main.txt');
    git(repo, 'commit', '--quiet', '-m', 'Main moves on');
    const before = branchList(repo);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.branchMissing, [
      'does not descend from the base branch "main"',
      `another line of work (the two split at ${split.slice(0, 10)})`,
      'pass --adopt',
    ]);
    expectUntouched(repo, before);
  });

  it('with --adopt takes the unrelated working branch as it is and runs on top of it', async () => {
    const workingTip = makeUnrelatedBranch(sandbox().repo, 'gaffer/working');

    const result = await runGaffer(sandbox(), '--adopt');

    expectCompletedRun(result, sandbox());
    const repo = sandbox().repo;
    // The run built on the adopted branch: its commit is still there, and the unit's file is on top.
    git(repo, 'merge-base', '--is-ancestor', workingTip, 'refs/heads/gaffer/working');
    expect(git(repo, 'ls-tree', '--name-only', 'refs/heads/gaffer/working').split('\n')).toEqual(
      expect.arrayContaining(['other.txt', 'hello.txt']),
    );
  });

  it('runs without --adopt on a working branch ahead of base', async () => {
    const repo = sandbox().repo;
    git(repo, 'switch', '--quiet', '-c', 'gaffer/working');
    fs.writeFileSync(path.join(repo, 'ahead.txt'), 'ahead\n');
    git(repo, 'add', 'ahead.txt');
    git(repo, 'commit', '--quiet', '-m', 'Ahead of main');
    const aheadTip = tip(repo, 'gaffer/working');
    git(repo, 'switch', '--quiet', 'main');

    const result = await runGaffer(sandbox());

    expectCompletedRun(result, sandbox());
    git(repo, 'merge-base', '--is-ancestor', aheadTip, 'refs/heads/gaffer/working');
  });

  it('takes, without --adopt, the working branch gaffer itself left, after the user committed on base', async () => {
    const repo = sandbox().repo;
    expectCompletedRun(await runGaffer(sandbox()), sandbox());
    const left = tip(repo, 'gaffer/working');
    // The user goes on working on main while gaffer's branch waits.
    fs.writeFileSync(path.join(repo, 'mine.txt'), 'my own work\n');
    git(repo, 'add', 'mine.txt');
    git(repo, 'commit', '--quiet', '-m', 'My own work on main');
    sandbox().writePlan({
      name: 'next',
      units: [{ id: 'next', title: 'next', prompt: '@write next.txt next\n@commit next' }],
    });

    const again = await runGaffer(sandbox());

    expectCompletedRun(again, sandbox());
    git(repo, 'merge-base', '--is-ancestor', left, 'refs/heads/gaffer/working');
  });
});
