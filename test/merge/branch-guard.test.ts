import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Recorder } from '../../src/controller/recorder.js';
import { EventBus } from '../../src/events/bus.js';
import { BranchGuard } from '../../src/merge/branch-guard.js';
import { Store } from '../../src/store/store.js';
import { cleanup, git, makeRepo } from '../integration/mission-fixture.js';

let repo = '';
let store: Store | undefined;
afterEach(() => {
  store?.close();
  store = undefined;
  cleanup(repo);
});

const branches = { working: 'gaffer/working', green: 'gaffer/green' };

function guardOn(dir: string): BranchGuard {
  store = Store.open(path.join(dir, '.gaffer', 'state.db'));
  const recorder = new Recorder(store, new EventBus());
  return new BranchGuard({ recorder, runId: 1, repo: dir, commonDir: path.join(dir, '.git'), branches });
}

/** A second commit on main, for the branches to move to. */
function nextCommit(dir: string, name: string): string {
  fs.writeFileSync(path.join(dir, 'files', `${name}.txt`), name);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', name);
  return git(dir, 'rev-parse', 'HEAD');
}

it('a move gaffer recorded as intended before a crash is its own; one that never happened is void', async () => {
  repo = makeRepo();
  const base = git(repo, 'rev-parse', 'main');
  const next = nextCommit(repo, 'next');
  let guard = guardOn(repo);
  await guard.start(false);
  expect(await guard.create('working', base, 'gaffer: start')).toBe(true);
  // The supervisor recorded its intent for both, moved working, and died before recording the fact.
  store?.branchTips.add({
    runId: 1,
    branch: branches.working,
    role: 'working',
    sha: next,
    state: 'intended',
    reason: 'x',
  });
  store?.branchTips.add({
    runId: 1,
    branch: branches.green,
    role: 'green',
    sha: next,
    state: 'intended',
    reason: 'x',
  });
  git(repo, 'update-ref', 'refs/heads/gaffer/working', next, base);
  store?.close();
  guard = guardOn(repo);
  expect(await guard.start(true)).toEqual([]);
  expect(guard.recorded('working')).toBe(next);
  // Green never moved: its intent is void, and it is still absent.
  expect(guard.recorded('green')).toBeUndefined();
  expect(await guard.verify()).toEqual([]);
});

it('a foreign move is kept aside and undone; a reflog that lost only old entries is no tampering', async () => {
  repo = makeRepo();
  const base = git(repo, 'rev-parse', 'main');
  const guard = guardOn(repo);
  await guard.start(false);
  await guard.create('green', base, 'gaffer: verified baseline');
  const logFile = path.join(repo, '.git', 'logs', 'refs', 'heads', 'gaffer', 'green');
  // An entry from 200 days ago at the top: git's auto gc expires it (90 days), rewriting the file shorter.
  const old = Math.floor(Date.now() / 1000) - 200 * 86_400;
  fs.writeFileSync(
    logFile,
    `${'0'.repeat(40)} ${base} old <old@x> ${old} +0000\told entry\n${fs.readFileSync(logFile, 'utf8')}`,
  );
  git(repo, 'reflog', 'expire', '--expire=90.days.ago', 'refs/heads/gaffer/green');
  expect(fs.readFileSync(logFile, 'utf8')).not.toContain('old entry');
  expect(await guard.verify()).toEqual([]);

  const foreign = nextCommit(repo, 'foreign');
  git(repo, 'update-ref', 'refs/heads/gaffer/green', foreign);
  const [found] = await guard.verify();
  expect(found).toMatchObject({
    branch: 'gaffer/green',
    kind: 'moved',
    expected: base,
    found: foreign,
    restored: true,
  });
  expect(git(repo, 'rev-parse', 'gaffer/green')).toBe(base);
  expect(git(repo, 'rev-parse', found?.savedAs ?? '')).toBe(foreign);
  expect(await guard.verify()).toEqual([]);
});
