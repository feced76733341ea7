import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { QueueWorktree } from '../../src/merge/queue-worktree.js';
import { Mutex } from '../../src/util/mutex.js';
import { cleanup, git, makeRepo } from '../integration/mission-fixture.js';

let repo = '';
afterEach(() => cleanup(repo));

it('repair removes a lock no git process holds, and leaves one a live git process holds', async () => {
  repo = makeRepo();
  const worktree = new QueueWorktree(repo, path.join(repo, '.gaffer'), new Mutex());
  await worktree.ensure(git(repo, 'rev-parse', 'main'));
  const gitDir = git(worktree.path, 'rev-parse', '--absolute-git-dir');
  const lock = path.join(gitDir, 'index.lock');

  fs.writeFileSync(lock, '');
  await worktree.repair();
  expect(fs.existsSync(lock)).toBe(false);

  // A git process that holds the lock: it waits (in the pager-less `git hash-object --stdin`) inside the worktree.
  fs.writeFileSync(lock, '');
  const holder = spawn('git', ['hash-object', '--stdin'], {
    cwd: worktree.path,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  try {
    await expect(worktree.repair()).rejects.toThrow(/held by a running git process/);
    expect(fs.existsSync(lock)).toBe(true);
  } finally {
    holder.stdin.end();
    await new Promise((resolve) => holder.on('exit', resolve));
  }
  await worktree.repair();
  expect(fs.existsSync(lock)).toBe(false);
}, 20_000);
