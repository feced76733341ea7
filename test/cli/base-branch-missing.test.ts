import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import {
  branchList,
  expectRefusal,
  expectUntouched,
  makeRepo,
  runGaffer,
  useSandbox,
} from '../helpers/cli.js';

describe('gaffer run: the base branch does not exist', () => {
  const sandbox = useSandbox();

  it('exits 6 naming the missing branch, the branches there are and branches.base', async () => {
    sandbox().writeConfig({ branches: { base: 'trunk' } });
    const before = branchList(sandbox().repo);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.branchMissing, [
      '"trunk"',
      'does not exist',
      'local branches: main',
      'branches.base',
    ]);
    expectUntouched(sandbox().repo, before);
  });

  it('exits 6 in a repository without a commit and says to commit first', async () => {
    const empty = makeRepo(path.join(sandbox().root, 'empty'), { commit: false });
    fs.writeFileSync(path.join(empty, 'draft.txt'), 'untracked\n');
    sandbox().writeConfig({ repo: 'empty' });

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.branchMissing, [
      '"main"',
      'does not exist',
      'commit something first',
      'branches.base',
    ]);
    expectUntouched(empty, []);
  });
});
