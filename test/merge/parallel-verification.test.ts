import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { cleanup, filesOn, git, makeRepo } from '../integration/mission-fixture.js';
import {
  checkSpec,
  commitFiles,
  flakyCheck as sharedFlakyCheck,
  queueHarness,
  reflog,
  type QueueHarness,
} from './queue-harness.js';

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

/** Every value green ever held is a commit whose checks passed, in the store. */
function expectGreenVerified(): void {
  const passed = passedCommits();
  const greens = reflog(repo, 'gaffer/green');
  expect(greens.length).toBeGreaterThan(1);
  for (const commit of greens) expect(passed.has(commit)).toBe(true);
}

/** Each move of working starts where the one before ended: landings are in order, each judged on its base. */
function expectPromotionsChained(): void {
  const moves = (harness?.events ?? []).flatMap((event) =>
    event.type === 'branch:promoted' && event.payload.role === 'working' ? [event.payload] : [],
  );
  expect(moves.length).toBeGreaterThan(0);
  expect(moves[0]?.from).toBe(git(repo, 'rev-parse', 'main'));
  for (const [index, move] of moves.entries()) if (index > 0) expect(move.from).toBe(moves[index - 1]?.to);
  expect(moves.at(-1)?.to).toBe(git(repo, 'rev-parse', 'gaffer/working'));
}

/** The commits the store holds a passing snapshot of. */
function passedCommits(): Set<string> {
  return new Set(
    harness?.store.health
      .forRun(1)
      .filter((row) => row.passed === 1)
      .map((row) => row.commit_sha),
  );
}

/**
 * A check that notes how many check runs are alive while it runs (files in a
 * folder outside the repository). The first runs wait, up to a minute, until
 * a second one is alive, so a queue that verifies in parallel shows it however
 * slow the machine, and a serial one cannot.
 */
function overlapCheck(): { command: string[]; peaks: string } {
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-overlap-'));
  const live = path.join(outside, 'live');
  const peaks = path.join(outside, 'peaks');
  fs.mkdirSync(live);
  fs.mkdirSync(peaks);
  const script = path.join(outside, 'overlap.mjs');
  fs.writeFileSync(
    script,
    [
      "import fs from 'node:fs';",
      "import path from 'node:path';",
      `const live = ${JSON.stringify(live)};`,
      `const peaks = ${JSON.stringify(peaks)};`,
      `const released = ${JSON.stringify(path.join(outside, 'released'))};`,
      'const me = path.join(live, String(process.pid));',
      "fs.writeFileSync(me, '');",
      'let peak = 0;',
      'const look = () => { peak = Math.max(peak, fs.readdirSync(live).length); return peak; };',
      'const deadline = Date.now() + 60_000;',
      'while (!fs.existsSync(released) && look() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));',
      "if (look() >= 2) fs.writeFileSync(released, '');",
      'await new Promise((r) => setTimeout(r, 200));',
      'look();',
      'fs.writeFileSync(path.join(peaks, String(process.pid)), String(peak));',
      'fs.rmSync(me);',
    ].join('\n'),
  );
  return { command: [process.execPath, script], peaks };
}

it('with 4 verifiers, prefixes are verified at once (never more than 4), each landing takes at most a batch, and green holds only verified commits', async () => {
  repo = makeRepo();
  const overlap = overlapCheck();
  const ids = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8'];
  harness = await queueHarness(
    repo,
    ids.map((id) => ({ id, files: { [`files/${id}.txt`]: id } })),
    [checkSpec('overlap', overlap.command)],
    2,
    { verifiers: 4 },
  );
  const outcomes = await harness.mergeAll();

  for (const id of ids) expect(outcomes.get(id)?.status).toBe('merged');
  const peaks = fs
    .readdirSync(overlap.peaks)
    .map((file) => Number(fs.readFileSync(path.join(overlap.peaks, file), 'utf8')));
  expect(Math.max(...peaks)).toBeGreaterThanOrEqual(2);
  expect(Math.max(...peaks)).toBeLessThanOrEqual(4);
  // The batch size bounds what lands unverified: in working's history, a verified commit at least every 2.
  const history = git(repo, 'rev-list', '--reverse', 'main..gaffer/working').split('\n');
  expect(history).toHaveLength(8);
  const passed = passedCommits();
  let unverified = 0;
  for (const commit of history) {
    unverified = passed.has(commit) ? 0 : unverified + 1;
    expect(unverified).toBeLessThan(2);
  }
  expect(passed.has(history.at(-1) as string)).toBe(true);
  expect(filesOn(repo, 'gaffer/working')).toEqual(['base.txt', ...ids.map((id) => `${id}.txt`)]);
  expectGreenVerified();
  expectPromotionsChained();
});

/** The shared flaky check; its folder is removed after the test. */
function flakyCheck(failures: number): { command: string[]; counter: string } {
  const check = sharedFlakyCheck(failures);
  outside = check.dir;
  return check;
}

it('a failure that does not reproduce on its second run lands as flaky, and the speculation without it is dropped: the rest lands on top of it', async () => {
  repo = makeRepo();
  const flaky = flakyCheck(2);
  const ids = ['a', 'flaky', 'b', 'c'];
  harness = await queueHarness(
    repo,
    ids.map((id) => ({ id, files: { [`files/${id}.txt`]: id } })),
    [checkSpec('flaky', flaky.command)],
    4,
    { verifiers: 3 },
  );
  const outcomes = await harness.mergeAll();

  for (const id of ids) expect(outcomes.get(id)?.status).toBe('merged');
  const flakyUnits = harness.events.flatMap((event) =>
    event.type === 'merge:flaky' ? [event.payload.unitId] : [],
  );
  expect(flakyUnits).toContain('flaky');
  // Every commit holding files/flaky.txt whose failure is not reproduced runs a second time before it lands:
  // [a, flaky] and the whole stack fail; flaky's second run passes; [a, flaky, b] passes; the whole stack
  // (c on b) failed before, so its second run decides. Judged against flaky's passing run, not its failure.
  expect(fs.readFileSync(flaky.counter, 'utf8')).toBe('5');
  // Landed in the queue's order, each on the one before: flaky is in working's history below b and c.
  const subjects = git(repo, 'log', '--format=%s', 'gaffer/working').split('\n');
  expect(subjects.slice(0, 4)).toEqual(['c', 'b', 'flaky', 'a']);
  expectGreenVerified();
  expectPromotionsChained();
});

it('a confirmed culprit is rejected and the candidates above it land as verified on speculation, without verifying them again', async () => {
  repo = makeRepo();
  commitFiles(repo, {
    'check.mjs':
      "import fs from 'node:fs';\nconst bad = fs.readdirSync('files').filter((f) => fs.readFileSync(`files/${f}`, 'utf8').includes('BROKEN'));\nprocess.exit(bad.length > 0 ? 1 : 0);\n",
  });
  const ids = ['a', 'broken', 'b', 'c', 'd'];
  harness = await queueHarness(
    repo,
    ids.map((id) => ({ id, files: { [`files/${id}.txt`]: id === 'broken' ? 'BROKEN' : id } })),
    [checkSpec('files', [process.execPath, 'check.mjs'])],
    5,
    { verifiers: 3 },
  );
  const outcomes = await harness.mergeAll();

  expect(outcomes.get('broken')).toEqual({ status: 'rejected', class: 'red' });
  for (const id of ['a', 'b', 'c', 'd']) expect(outcomes.get(id)?.status).toBe('merged');
  // Each commit working moved to was verified exactly once: the rest stacked again after the rejection is
  // the stack verified on speculation (the same commits), so its results are reused, not run again.
  const byCommit = new Map<string, number>();
  for (const row of harness.store.health.forRun(1))
    byCommit.set(row.commit_sha, (byCommit.get(row.commit_sha) ?? 0) + 1);
  const tips = reflog(repo, 'gaffer/working').slice(0, -1);
  expect(tips.length).toBeGreaterThan(0);
  for (const commit of tips) expect(byCommit.get(commit)).toBe(1);
  // The target with prefixes 3 and 5 (both fail); inside, prefixes 1 (a lands) and 2 (broken fails); broken's
  // second run beside b..d rebased onto a, as prefixes 2 and 3. Stacked again after the rejection, b..d are
  // the same commits (a rebase keeps the author's date), so nothing runs a fourth time.
  expect(harness.queue.verificationCount).toBe(8);
  // The culprit's commit ran twice (the second run confirms it); no other commit did.
  expect([...byCommit.values()].filter((count) => count > 1)).toHaveLength(1);
  expect(git(repo, 'ls-tree', '--name-only', 'gaffer/working', 'files/')).not.toContain('broken.txt');
  expectGreenVerified();
  expectPromotionsChained();
});

it('checks that give no verdict in a stack are searched down to the candidate that makes them hang: only that one goes back, without a strike', async () => {
  repo = makeRepo();
  commitFiles(repo, {
    'slow.mjs':
      "import fs from 'node:fs';\nif (fs.existsSync('files/slow.txt')) setTimeout(() => {}, 3_600_000);\n",
  });
  const ids = ['ok1', 'slow', 'ok2'];
  harness = await queueHarness(
    repo,
    ids.map((id) => ({ id, files: { [`files/${id}.txt`]: id } })),
    // Meant to run out on a stack holding slow, yet ample for a node start on a loaded machine.
    [checkSpec('slow', [process.execPath, 'slow.mjs'], { timeoutMs: 5000 })],
    3,
    { verifiers: 2 },
  );
  const outcomes = await harness.mergeAll();

  expect(outcomes.get('slow')).toEqual({ status: 'rejected', class: 'infrastructure' });
  expect(harness.store.units.get(1, 'slow')).toMatchObject({ status: 'pending', strikes: 0 });
  expect(outcomes.get('ok1')?.status).toBe('merged');
  expect(outcomes.get('ok2')?.status).toBe('merged');
  expectGreenVerified();
  expectPromotionsChained();
});
