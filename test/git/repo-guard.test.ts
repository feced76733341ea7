import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { RepoGuard } from '../../src/git/repo-guard.js';
import { cleanup, git, makeRepo } from '../integration/mission-fixture.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The repository guard reuses its last reading of `.git/config` while the
 * file's stat is unchanged; every kind of edit must still be seen. The guard
 * is built with a short settling time so its reading is reused within the
 * test; the real default only waits longer.
 */
let repo = '';
afterEach(() => cleanup(repo));

const SETTLED_MS = 50;

/** Waits until the config file last changed longer ago than the guard's settling time. */
async function configSettled(): Promise<void> {
  const file = path.join(repo, '.git', 'config');
  await waitFor('the config file to settle', () => {
    const stat = fs.statSync(file);
    return Date.now() - Math.max(stat.mtimeMs, stat.ctimeMs) > SETTLED_MS * 2 ? true : undefined;
  });
}

it('an edit by git config (a new file renamed over the old) is noticed after readings were reused', async () => {
  repo = makeRepo();
  await configSettled();
  const guard = await RepoGuard.capture(repo, path.join(repo, '.git'), { settledMs: SETTLED_MS });
  expect(await guard.changes()).toEqual([]);
  expect(await guard.changes()).toEqual([]);

  git(repo, 'config', 'core.fsmonitor', 'touch /tmp/planted');

  expect(await guard.changes()).toEqual(['config core.fsmonitor added']);
});

it('an in-place rewrite of the same size with its old mtime put back is noticed (ctime moved)', async () => {
  repo = makeRepo();
  git(repo, 'config', 'core.pager', 'less');
  await configSettled();
  const file = path.join(repo, '.git', 'config');
  const guard = await RepoGuard.capture(repo, path.join(repo, '.git'), { settledMs: SETTLED_MS });
  expect(await guard.changes()).toEqual([]);

  const before = fs.statSync(file, { bigint: true });
  // touch -r copies the times to the nanosecond (Node's utimes cannot): the mtime is put back exactly.
  const times = path.join(repo, 'times');
  fs.writeFileSync(times, '');
  execFileSync('touch', ['-r', file, times]);
  const text = fs.readFileSync(file, 'utf8');
  const rewritten = text.replace('pager = less', 'pager = evil');
  expect(rewritten.length).toBe(text.length);
  fs.writeFileSync(file, rewritten);
  execFileSync('touch', ['-r', times, file]);
  const after = fs.statSync(file, { bigint: true });
  expect([after.ino, after.size, after.mtimeNs]).toEqual([before.ino, before.size, before.mtimeNs]);

  expect(await guard.changes()).toEqual(['config core.pager changed']);
});
