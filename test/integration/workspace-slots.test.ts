import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { describeSource } from '../../src/git/source-repo.js';
import { Workspaces } from '../../src/workers/workspaces.js';
import { cleanup, filesOn, git, makeRepo, runMission } from './mission-fixture.js';

let repo = '';
afterEach(() => cleanup(repo));

it('a reused slot carries nothing of the previous attempt but ignored files, and is gone after the run', async () => {
  repo = makeRepo();
  fs.writeFileSync(path.join(repo, '.gitignore'), 'cache/\n');
  git(repo, 'add', '.gitignore');
  git(repo, 'commit', '-q', '-m', 'ignore cache');
  const { result } = await runMission(
    repo,
    {
      units: [
        {
          id: 'first',
          title: 'leaves junk',
          prompt:
            '@write files/first.txt 1\n@commit first\n@write files/junk.txt left behind\n@write cache/kept.txt cached',
        },
        {
          id: 'second',
          title: 'commits everything it sees',
          prompt: '@write files/second.txt 2\n@commit second',
          depends_on: ['first'],
        },
      ],
    },
    { concurrency: 1 },
  );
  try {
    const attempts = result.store.attempts.forRun(result.runId);
    // One slot served both attempts.
    expect(new Set(attempts.map((attempt) => attempt.worktree)).size).toBe(1);
    // `git add -A` in the second attempt would have committed the first one's junk had it survived.
    expect(filesOn(repo, 'gaffer/working')).toEqual(['base.txt', 'first.txt', 'second.txt']);
    // Workspaces are no worktrees of the repository: it lists only the user's own checkout.
    expect(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  } finally {
    result.store.close();
  }
});

it('a slot is made anew whatever its agent did to .git, and one that cannot be reset is discarded', async () => {
  repo = makeRepo();
  const stateDir = path.join(repo, '.gaffer');
  const workspaces = new Workspaces(await describeSource(repo), stateDir);
  const base = git(repo, 'rev-parse', 'main');
  const first = await workspaces.acquire(1, 'unit', 1, base);
  workspaces.release(first);
  // The agent replaced its .git by a file: the slot is made anew, whatever .git is.
  fs.rmSync(path.join(first.path, '.git'), { recursive: true, force: true });
  fs.writeFileSync(path.join(first.path, '.git'), 'gitdir: /nonexistent/broken\n');
  const second = await workspaces.acquire(1, 'unit', 2, base);
  expect(git(second.path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('gaffer/run-1/unit/attempt-2');
  expect(git(second.path, 'rev-parse', 'HEAD')).toBe(base);
  expect(fs.lstatSync(path.join(second.path, '.git')).isDirectory()).toBe(true);
  // A slot whose folder became a file cannot be reset: it is discarded and a fresh one made.
  workspaces.release(second);
  fs.rmSync(second.path, { recursive: true, force: true });
  fs.writeFileSync(second.path, 'not a folder');
  const third = await workspaces.acquire(1, 'unit', 3, base);
  expect(third.path).not.toBe(second.path);
  expect(fs.existsSync(second.path)).toBe(false);
  await workspaces.reset();
  expect(fs.existsSync(path.join(stateDir, 'workspaces'))).toBe(false);
});
