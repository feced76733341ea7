import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { clearStaleLocks, findLocks } from '../../src/git/stale-locks.js';
import { cleanup, git, makeRepo } from '../integration/mission-fixture.js';
import { waitFor } from '../helpers/wait.js';

let repo = '';
const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  cleanup(repo);
});

/**
 * A real ref transaction, prepared and not committed: git holds the lock of
 * every ref in it until it is told to commit or its input ends, exactly the
 * window a kill of the supervisor can land in.
 */
async function preparedTransaction(repo: string, refs: string[]): Promise<ChildProcessWithoutNullStreams> {
  const head = git(repo, 'rev-parse', 'HEAD');
  const child = spawn('git', ['update-ref', '--stdin'], { cwd: repo });
  children.push(child);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stdin.write(`start\n${refs.map((ref) => `update ${ref} ${head}`).join('\n')}\nprepare\n`);
  await waitFor('the transaction to hold its locks', () => (out.includes('prepare: ok') ? true : undefined));
  return child;
}

it('a ref transaction killed while it holds its locks leaves them; they are removed once no git owns them', async () => {
  repo = makeRepo();
  const refs = ['refs/heads/gaffer/working', 'refs/heads/gaffer/green'];
  const child = await preparedTransaction(repo, refs);
  const locks = refs.map((ref) => path.join(repo, '.git', `${ref}.lock`));
  for (const lock of locks) expect(fs.existsSync(lock)).toBe(true);

  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('close', resolve));
  // SIGKILL gives git no chance to roll back: the locks stay, and every later update of those refs fails.
  for (const lock of locks) expect(fs.existsSync(lock)).toBe(true);
  expect(() => git(repo, 'update-ref', 'refs/heads/gaffer/working', 'HEAD')).toThrow(/working\.lock/);

  const sweep = await clearStaleLocks(repo, path.join(repo, '.git'));
  expect(sweep.removed.sort()).toEqual([...locks].sort());
  expect(sweep.held).toEqual([]);
  expect(findLocks(path.join(repo, '.git'))).toEqual([]);
  git(repo, 'update-ref', 'refs/heads/gaffer/working', 'HEAD');
  expect(git(repo, 'rev-parse', 'gaffer/working')).toBe(git(repo, 'rev-parse', 'HEAD'));
});

it('never removes a lock a live git process may own', async () => {
  repo = makeRepo();
  const child = await preparedTransaction(repo, ['refs/heads/gaffer/working']);
  const lock = path.join(repo, '.git', 'refs', 'heads', 'gaffer', 'working.lock');

  const sweep = await clearStaleLocks(repo, path.join(repo, '.git'));
  expect(sweep.removed).toEqual([]);
  expect(sweep.held).toEqual([{ lock, pids: [child.pid] }]);
  expect(fs.existsSync(lock)).toBe(true);
  // Its owner commits: the transaction completes as git meant it to.
  child.stdin.end('commit\n');
  await new Promise((resolve) => child.once('close', resolve));
  expect(fs.existsSync(lock)).toBe(false);
  expect(git(repo, 'rev-parse', 'gaffer/working')).toBe(git(repo, 'rev-parse', 'HEAD'));
});

it('finds the index, HEAD and packed-refs locks and those of linked worktrees', () => {
  repo = makeRepo();
  const gitDir = path.join(repo, '.git');
  git(repo, 'worktree', 'add', '-q', path.join(repo, '.wt'), '-b', 'side');
  const expected = [
    path.join(gitDir, 'index.lock'),
    path.join(gitDir, 'HEAD.lock'),
    path.join(gitDir, 'packed-refs.lock'),
    path.join(gitDir, 'refs', 'heads', 'gaffer', 'run-1', 'a', 'attempt-1.lock'),
    path.join(gitDir, 'worktrees', '.wt', 'index.lock'),
  ];
  for (const file of expected) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
  }
  expect(findLocks(gitDir).sort()).toEqual([...expected].sort());
});
