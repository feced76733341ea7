import { afterEach, expect, it } from 'vitest';
import { git as gafferGit, gitStepsArgs } from '../../src/git/git.js';
import { cleanup, git, makeRepo } from '../integration/mission-fixture.js';

/** Several git commands from one process gaffer starts: in order, stopping at the first failure, with gaffer's settings. */
let repo = '';
afterEach(() => cleanup(repo));

it('runs the steps in order with every argument as given, quotes and spaces included', async () => {
  repo = makeRepo();
  const value = `it's "a" $HOME \`x\` test`;
  const out = await gafferGit(
    repo,
    gitStepsArgs([
      ['config', 'gaffer.test', value],
      ['config', '--get', 'gaffer.test'],
    ]),
  );
  expect(out).toBe(value);
});

it('stops at the first failing step and fails with it', async () => {
  repo = makeRepo();
  await expect(
    gafferGit(
      repo,
      gitStepsArgs([
        ['rev-parse', '--verify', '--quiet', 'refs/heads/no-such-branch'],
        ['config', 'gaffer.after', 'ran'],
      ]),
    ),
  ).rejects.toThrow();
  expect(() => git(repo, 'config', '--get', 'gaffer.after')).toThrow();
});

it("each step gets gaffer's settings, whatever the repository configures (no hook path of its own)", async () => {
  repo = makeRepo();
  git(repo, 'config', 'core.hooksPath', 'planted-hooks');
  expect(await gafferGit(repo, gitStepsArgs([['config', 'core.hooksPath']]))).toBe('/dev/null');
});
