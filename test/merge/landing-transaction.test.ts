import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { branchExists, cleanup, filesOn, git, makeRepo } from '../integration/mission-fixture.js';
import { checkSpec, queueHarness, type QueueHarness } from './queue-harness.js';

/**
 * A landing moves working (and green) and deletes the landed attempts'
 * branches in one guarded ref transaction. These tests move refs from inside
 * a check, while the candidate is being verified, as someone else would.
 */
let repo = '';
let outside = '';
let harness: QueueHarness | undefined;
afterEach(() => {
  harness?.close();
  harness = undefined;
  cleanup(repo);
  if (outside) fs.rmSync(outside, { recursive: true, force: true });
  outside = '';
});

/** A passing check that, the first time it runs, points `ref` of the user's repository at `to`'s commit. */
function movingCheck(ref: string, to: string): string[] {
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-landing-'));
  const script = path.join(outside, 'move.mjs');
  fs.writeFileSync(
    script,
    [
      "import fs from 'node:fs';",
      "import { execFileSync } from 'node:child_process';",
      `const done = ${JSON.stringify(path.join(outside, 'moved'))};`,
      `const gitDir = ${JSON.stringify(`--git-dir=${path.join(repo, '.git')}`)};`,
      'if (!fs.existsSync(done)) {',
      `  const sha = execFileSync('git', [gitDir, 'rev-parse', ${JSON.stringify(to)}], { encoding: 'utf8' }).trim();`,
      `  execFileSync('git', [gitDir, 'update-ref', ${JSON.stringify(ref)}, sha]);`,
      "  fs.writeFileSync(done, '');",
      '}',
    ].join('\n'),
  );
  return [process.execPath, script];
}

it('landed attempt branches go with the landing; one someone else moved is left as found and working still lands', async () => {
  repo = makeRepo();
  const base = git(repo, 'rev-parse', 'main');
  harness = await queueHarness(
    repo,
    [
      { id: 'a', files: { 'files/a.txt': 'a' } },
      { id: 'b', files: { 'files/b.txt': 'b' } },
    ],
    [checkSpec('mover', movingCheck('refs/heads/gaffer/run-1/b/attempt-1', 'main'))],
    1,
  );
  const outcomes = await harness.mergeAll();

  expect(outcomes.get('a')?.status).toBe('merged');
  expect(outcomes.get('b')?.status).toBe('merged');
  expect(filesOn(repo, 'gaffer/working')).toEqual(expect.arrayContaining(['a.txt', 'b.txt']));
  expect(branchExists(repo, 'gaffer/run-1/a/attempt-1')).toBe(false);
  // Not the tip gaffer recorded for b's attempt: not gaffer's to delete.
  expect(git(repo, 'rev-parse', 'refs/heads/gaffer/run-1/b/attempt-1')).toBe(base);
});

it('a green moved while the candidate was verified stops the landing: working, green and the attempt branch stay', async () => {
  repo = makeRepo();
  const base = git(repo, 'rev-parse', 'main');
  harness = await queueHarness(
    repo,
    [{ id: 'a', files: { 'files/a.txt': 'a' } }],
    [checkSpec('mover', movingCheck('refs/heads/gaffer/green', 'refs/heads/gaffer/run-1/a/attempt-1'))],
    1,
  );
  const attemptTip = git(repo, 'rev-parse', 'refs/heads/gaffer/run-1/a/attempt-1');
  const outcomes = await harness.mergeAll();

  expect(outcomes.get('a')?.status).not.toBe('merged');
  expect(harness.events.some((event) => event.type === 'branch:tampered')).toBe(true);
  expect(git(repo, 'rev-parse', 'gaffer/working')).toBe(base);
  // The foreign tip is undone (kept aside by the guard), never left on green.
  expect(git(repo, 'rev-parse', 'gaffer/green')).toBe(base);
  expect(git(repo, 'rev-parse', 'refs/heads/gaffer/run-1/a/attempt-1')).toBe(attemptTip);
});
