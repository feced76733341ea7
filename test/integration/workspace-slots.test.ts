import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
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
    expect(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(2); // the checkout and the queue's
  } finally {
    result.store.close();
  }
});

it('a slot that cannot be reset is discarded and a fresh one is made', async () => {
  repo = makeRepo();
  const stateDir = path.join(repo, '.gaffer');
  const workspaces = new Workspaces(repo, stateDir);
  const base = git(repo, 'rev-parse', 'main');
  const first = await workspaces.acquire(1, 'unit', 1, base);
  workspaces.release(first);
  fs.writeFileSync(path.join(first.path, '.git'), 'gitdir: /nonexistent/broken\n');
  const second = await workspaces.acquire(1, 'unit', 2, base);
  expect(second.path).not.toBe(first.path);
  expect(fs.existsSync(first.path)).toBe(false);
  expect(git(second.path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('gaffer/run-1/unit/attempt-2');
  await workspaces.reset();
  expect(fs.existsSync(path.join(stateDir, 'worktrees'))).toBe(false);
});
