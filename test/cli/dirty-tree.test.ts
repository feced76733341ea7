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

describe('gaffer run: uncommitted changes in the main checkout', () => {
  const sandbox = useSandbox();

  it('refuses a modified tracked file with exit 7, naming the file and saying commit or stash', async () => {
    fs.appendFileSync(path.join(sandbox().repo, 'README.md'), 'local edit\n');
    const before = branchList(sandbox().repo);

    const result = await runGaffer(sandbox());

    const stderr = expectRefusal(result, ExitCode.dirtyTree, ['uncommitted changes', 'commit or stash']);
    // The file is named whole (the porcelain status column must not eat its first letter).
    expect(stderr).toContain('(README.md)');
    expectUntouched(sandbox().repo, before);
    expect(fs.readFileSync(path.join(sandbox().repo, 'README.md'), 'utf8')).toContain('local edit');
  });

  it('refuses a staged new file with exit 7', async () => {
    fs.writeFileSync(path.join(sandbox().repo, 'staged.txt'), 'staged\n');
    git(sandbox().repo, 'add', 'staged.txt');
    const before = branchList(sandbox().repo);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.dirtyTree, ['staged.txt', 'commit or stash']);
    expectUntouched(sandbox().repo, before);
  });

  it('runs despite an untracked file, and leaves that file alone', async () => {
    const untracked = path.join(sandbox().repo, 'scratch.txt');
    fs.writeFileSync(untracked, 'my own notes\n');

    const result = await runGaffer(sandbox());

    expectCompletedRun(result, sandbox());
    expect(fs.readFileSync(untracked, 'utf8')).toBe('my own notes\n');
    expect(branchList(sandbox().repo)).toEqual(
      expect.arrayContaining(['gaffer/green', 'gaffer/working', 'main']),
    );
    expect(git(sandbox().repo, 'show', 'gaffer/green:hello.txt')).toBe('hello\n');
    // The user's checkout is not moved or changed.
    expect(git(sandbox().repo, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('main');
    expect(git(sandbox().repo, 'status', '--porcelain', '--untracked-files=no')).toBe('');
  });
});
