import { describe, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { branchList, expectRefusal, expectUntouched, git, runGaffer, useSandbox } from '../helpers/cli.js';

describe('gaffer run: a branch name git cannot hold', () => {
  const sandbox = useSandbox({ untouched: true });

  // Each case from the issue: the branches config, and what stderr must name.
  const badNames: { name: string; branches: Record<string, string>; mentions: string[] }[] = [
    {
      name: 'exits 3 on "bad..name", git\'s range syntax',
      branches: { working: 'bad..name' },
      mentions: ['branches.working: "bad..name" is not a usable branch name', '".."', '"gaffer/working"'],
    },
    {
      name: 'exits 3 on "x.lock", a name git keeps for its lock files',
      branches: { green: 'x.lock' },
      mentions: ['branches.green: "x.lock"', 'ends with ".lock"', '"gaffer/green"'],
    },
    {
      name: 'exits 3 on "@{u}", which git would expand to an upstream',
      branches: { base: '@{u}' },
      mentions: ['branches.base: "@{u}"', 'contains "@{"', '"main"'],
    },
    {
      name: 'exits 3 on "-dash", which git would read as an option',
      branches: { green: '-dash' },
      mentions: ['branches.green: "-dash"', 'starts with "-"', 'as an option', '"gaffer/green"'],
    },
    {
      name: 'exits 3 on "refs/heads/x", a full ref instead of a branch name, suggesting "x"',
      branches: { working: 'refs/heads/x' },
      mentions: ['branches.working: "refs/heads/x"', 'starts with "refs/"', 'e.g. "x"'],
    },
    {
      name: 'exits 3 when working and green are the same branch',
      branches: { working: 'gaffer/out', green: 'gaffer/out' },
      mentions: ['branches.green: "gaffer/out" is also branches.working', 'three different branches'],
    },
    {
      name: 'exits 3 when green is "gaffer", where gaffer keeps its attempt branches',
      branches: { green: 'gaffer' },
      mentions: ['branches.green: "gaffer"', 'attempt branches (gaffer/run-<n>/…)', '"gaffer/green"'],
    },
    {
      name: 'exits 3 when working and green nest (git cannot hold both "ci" and "ci/green")',
      branches: { working: 'ci', green: 'ci/green' },
      mentions: ['branches.green: "ci/green" and branches.working "ci" nest', 'git cannot hold both'],
    },
  ];

  for (const { name, branches, mentions } of badNames) {
    it(name, async () => {
      sandbox().writeConfig({ branches });

      const result = await runGaffer(sandbox());

      expectRefusal(result, ExitCode.config, [sandbox().configPath, ...mentions]);
    });
  }
});

describe("gaffer run: a branch name that clashes with the repository's branches", () => {
  const sandbox = useSandbox();

  it('exits 6 when a branch "gaffer" exists and working and green are the defaults under gaffer/', async () => {
    git(sandbox().repo, 'branch', 'gaffer');
    const before = branchList(sandbox().repo);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.branchMissing, [
      'branches.working "gaffer/working" clashes with the existing branch "gaffer"',
      'git cannot hold a branch and branches under it with the same name',
      'e.g. "gaffer-working"',
      'git branch -m gaffer <new name>',
    ]);
    expectUntouched(sandbox().repo, before);
  });

  it('exits 6 when green is "release" and a branch "release/1.0" exists', async () => {
    git(sandbox().repo, 'branch', 'release/1.0');
    sandbox().writeConfig({ branches: { green: 'release' } });
    const before = branchList(sandbox().repo);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.branchMissing, [
      'branches.green "release" clashes with the existing branch "release/1.0"',
      'e.g. "gaffer-green"',
    ]);
    expectUntouched(sandbox().repo, before);
  });

  it('exits 6 when a branch "gaffer" exists though working and green are elsewhere: attempts could not be made', async () => {
    git(sandbox().repo, 'branch', 'gaffer');
    sandbox().writeConfig({ branches: { working: 'ci/working', green: 'ci/green' } });
    const before = branchList(sandbox().repo);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.branchMissing, [
      'the branch "gaffer"',
      'where gaffer creates its attempt branches (gaffer/run-<n>/<unit>/attempt-<k>)',
      'git branch -m gaffer <new name>',
    ]);
    expectUntouched(sandbox().repo, before);
  });
});
