import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import {
  branchList,
  expectRefusal,
  expectUntouched,
  git,
  runGaffer,
  useSandbox,
  worktreeList,
} from '../helpers/cli.js';

describe('gaffer run: the working or green branch is checked out', () => {
  const sandbox = useSandbox();

  it('exits 6 when the working branch is checked out in the main checkout, saying to switch away', async () => {
    git(sandbox().repo, 'switch', '--quiet', '-c', 'gaffer/working');
    const before = branchList(sandbox().repo);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.branchMissing, [
      'branch "gaffer/working" is checked out in',
      sandbox().repo,
      'git switch main',
    ]);
    expectUntouched(sandbox().repo, before);
    expect(git(sandbox().repo, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('gaffer/working');
  });

  it('exits 6 when a configured green branch is checked out in another worktree, naming that worktree', async () => {
    sandbox().writeConfig({ branches: { base: 'main', working: 'ci/working', green: 'ci/green' } });
    const other = path.join(sandbox().root, 'other-checkout');
    git(sandbox().repo, 'worktree', 'add', '--quiet', '-b', 'ci/green', other);
    const before = branchList(sandbox().repo);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.branchMissing, [
      'branch "ci/green" is checked out in',
      other,
      'git switch main',
    ]);
    expect(fs.existsSync(sandbox().stateDir)).toBe(false);
    expect(branchList(sandbox().repo)).toEqual(before);
    expect(worktreeList(sandbox().repo)).toEqual([sandbox().repo, other]);
  });
});
