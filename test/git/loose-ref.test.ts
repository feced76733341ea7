import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Recorder } from '../../src/controller/recorder.js';
import { EventBus } from '../../src/events/bus.js';
import { looseRef } from '../../src/git/git.js';
import { BranchGuard } from '../../src/merge/branch-guard.js';
import { Store } from '../../src/store/store.js';
import { cleanup, git, makeRepo } from '../integration/mission-fixture.js';

/**
 * Branch tips read from loose ref files instead of a git process: only a
 * plain loose file is read; anything else is left to git, so a tip packed,
 * linked or made symbolic by someone is still seen as git sees it.
 */
let repo = '';
let store: Store | undefined;
afterEach(() => {
  store?.close();
  store = undefined;
  cleanup(repo);
});

function nextCommit(dir: string, name: string): string {
  fs.writeFileSync(path.join(dir, 'files', `${name}.txt`), name);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', name);
  return git(dir, 'rev-parse', 'HEAD');
}

it('reads a loose ref, and leaves packed, symbolic, linked and odd refs to git', () => {
  repo = makeRepo();
  const gitDir = path.join(repo, '.git');
  const main = git(repo, 'rev-parse', 'main');
  git(repo, 'branch', 'loose', main);
  expect(looseRef(gitDir, 'refs/heads/loose')).toBe(main);
  expect(looseRef(gitDir, 'refs/heads/missing')).toBeUndefined();
  expect(looseRef(gitDir, 'refs/heads/../../config')).toBeUndefined();

  git(repo, 'symbolic-ref', 'refs/heads/symbolic', 'refs/heads/loose');
  expect(looseRef(gitDir, 'refs/heads/symbolic')).toBeUndefined();

  fs.symlinkSync(path.join(gitDir, 'refs', 'heads', 'loose'), path.join(gitDir, 'refs', 'heads', 'linked'));
  expect(looseRef(gitDir, 'refs/heads/linked')).toBeUndefined();

  git(repo, 'branch', 'packed', main);
  git(repo, 'pack-refs', '--all');
  expect(fs.existsSync(path.join(gitDir, 'refs', 'heads', 'packed'))).toBe(false);
  expect(looseRef(gitDir, 'refs/heads/packed')).toBeUndefined();
});

it('the branch guard catches green moved in packed-refs, with no loose file left', async () => {
  repo = makeRepo();
  const base = git(repo, 'rev-parse', 'main');
  store = Store.open(path.join(repo, '.gaffer', 'state.db'));
  const branches = { working: 'gaffer/working', green: 'gaffer/green' };
  const guard = new BranchGuard({
    recorder: new Recorder(store, new EventBus()),
    runId: 1,
    repo,
    commonDir: path.join(repo, '.git'),
    branches,
  });
  await guard.start(false);
  await guard.create('working', base, 'gaffer: start');
  await guard.create('green', base, 'gaffer: verified baseline');
  expect(await guard.verify()).toEqual([]);

  const foreign = nextCommit(repo, 'foreign');
  git(repo, 'pack-refs', '--all');
  const packed = path.join(repo, '.git', 'packed-refs');
  fs.writeFileSync(
    packed,
    fs
      .readFileSync(packed, 'utf8')
      .replace(`${base} refs/heads/gaffer/green`, `${foreign} refs/heads/gaffer/green`),
  );
  expect(git(repo, 'rev-parse', 'gaffer/green')).toBe(foreign);

  const found = await guard.verify();
  expect(found).toEqual([expect.objectContaining({ branch: 'gaffer/green', kind: 'moved', found: foreign })]);
  expect(git(repo, 'rev-parse', 'gaffer/green')).toBe(base);
});
