import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { GafferEvent } from '../../src/events/types.js';
import { cleanup, git, makeRepo } from '../integration/mission-fixture.js';
import {
  checkSpec,
  commitFiles,
  flakyCheck as sharedFlakyCheck,
  queueHarness,
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

const passing = (name: string): string =>
  `import test from 'node:test';\ntest(${JSON.stringify(name)}, () => {});\n`;
const failing = (name: string, why: string): string =>
  `import test from 'node:test';\ntest(${JSON.stringify(name)}, () => { throw new Error(${JSON.stringify(why)}); });\n`;

function rejection(events: readonly GafferEvent[], unitId: string): string {
  const event = events.find((item) => item.type === 'merge:rejected' && item.payload.unitId === unitId);
  return event?.type === 'merge:rejected' ? event.payload.detail : '';
}

it('parsed failures beat exit code 0: a test run that reports a failure is red whatever it exits with', async () => {
  repo = makeRepo();
  commitFiles(repo, { 'test/a.test.mjs': passing('a') });
  // The runner's exit code is thrown away, as a careless wrapper script would.
  const tests = checkSpec('tests', ['sh', '-c', `'${process.execPath}' --test test/; exit 0`], {
    parser: 'node-test',
  });
  harness = await queueHarness(
    repo,
    [{ id: 'breaker', files: { 'test/b.test.mjs': failing('b', 'broken') } }],
    [tests],
    1,
  );
  const outcomes = await harness.mergeAll();
  expect(outcomes.get('breaker')).toEqual({ status: 'rejected', class: 'red' });
  const detail = rejection(harness.events, 'breaker');
  expect(detail).toContain('it exited 0, but its output reports 1 failure(s)');
  expect(detail).toMatch(/test now fails: .*b/);
  expect(git(repo, 'rev-parse', 'gaffer/green')).toBe(git(repo, 'rev-parse', 'main'));
});

it('output its parser cannot read is unreadable: never verified, rejected after a second look', async () => {
  repo = makeRepo();
  // The check runs the repository's own test script: a candidate can change what it prints.
  commitFiles(repo, {
    'run-tests.mjs': `import { spawnSync } from 'node:child_process';\nconst r = spawnSync(process.execPath, ['--test', 'test/'], { stdio: 'inherit' });\nprocess.exit(r.status ?? 1);\n`,
    'test/a.test.mjs': passing('a'),
  });
  const tests = checkSpec('tests', [process.execPath, 'run-tests.mjs'], { parser: 'node-test' });
  harness = await queueHarness(
    repo,
    [{ id: 'mute', files: { 'run-tests.mjs': "console.log('all good, trust me');\n" } }],
    [tests],
    1,
  );
  const outcomes = await harness.mergeAll();
  expect(outcomes.get('mute')).toEqual({ status: 'rejected', class: 'unreadable' });
  expect(rejection(harness.events, 'mute')).toContain('the node-test parser did not recognize the output');
  // The target, then the candidate twice.
  expect(harness.queue.verificationCount).toBe(3);
  expect(harness.store.units.get(1, 'mute')).toMatchObject({ status: 'pending', strikes: 1 });
});

it('a test check in which no test ran is no pass', async () => {
  repo = makeRepo();
  commitFiles(repo, { 'tests/test_a.py': 'def test_a():\n    assert True\n' });
  const tests = checkSpec('tests', ['python3', '-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests'], {
    parser: 'pytest',
  });
  harness = await queueHarness(
    repo,
    [{ id: 'emptier', files: { 'tests/test_a.py': '# nothing left\n' } }],
    [tests],
    1,
  );
  const outcomes = await harness.mergeAll();
  expect(outcomes.get('emptier')).toEqual({ status: 'rejected', class: 'red' });
  expect(rejection(harness.events, 'emptier')).toContain('no tests ran');
});

it('a test that disappeared is named in the verdict and in the next prompt', async () => {
  repo = makeRepo();
  commitFiles(repo, {
    'test/a.test.mjs': passing('adds numbers'),
    'test/b.test.mjs': passing('rounds money to cents'),
  });
  const tests = checkSpec('tests', [process.execPath, '--test', 'test/'], { parser: 'node-test' });
  harness = await queueHarness(
    repo,
    [{ id: 'deleter', files: { 'test/b.test.mjs': '// removed\n', 'test/c.test.mjs': passing('c') } }],
    [tests],
    1,
  );
  const outcomes = await harness.mergeAll();
  expect(outcomes.get('deleter')).toEqual({ status: 'rejected', class: 'regression' });
  const detail = rejection(harness.events, 'deleter');
  expect(detail).toContain('tests that ran on the target are gone: rounds money to cents');
  expect(harness.store.units.get(1, 'deleter')?.feedback).toContain('rounds money to cents');
});

it('the next prompt carries the new failures, never the ones the target already had', async () => {
  repo = makeRepo();
  commitFiles(repo, {
    'test/a.test.mjs': passing('a'),
    'test/old.test.mjs': failing('legacy checkout flow', 'LEGACY-BREAKAGE'),
  });
  const tests = checkSpec('tests', [process.execPath, '--test', 'test/'], { parser: 'node-test' });
  harness = await queueHarness(
    repo,
    [{ id: 'breaker', files: { 'test/a.test.mjs': failing('a', 'NEW-BREAKAGE') } }],
    [tests],
    1,
  );
  const outcomes = await harness.mergeAll();
  expect(outcomes.get('breaker')).toEqual({ status: 'rejected', class: 'regression' });
  const feedback = harness.store.units.get(1, 'breaker')?.feedback ?? '';
  expect(feedback).toMatch(/test now fails: .*a/);
  expect(feedback).toContain('NEW-BREAKAGE');
  expect(feedback).not.toContain('legacy checkout flow');
  expect(feedback).not.toContain('LEGACY-BREAKAGE');
});

/** The shared flaky check; its folder is removed after the test. */
function flakyCheck(failures: number): { command: string[]; counter: string } {
  const check = sharedFlakyCheck(failures);
  outside = check.dir;
  return check;
}

it('a culprit found by bisection gets the same second run a lone candidate gets before it is called red', async () => {
  repo = makeRepo();
  // Fails in the batch and in its half (the same commit it has alone, once a landed);
  // passes on the second run of that commit.
  const flaky = flakyCheck(2);
  const candidates = ['a', 'flaky', 'b', 'c'].map((id) => ({ id, files: { [`files/${id}.txt`]: id } }));
  harness = await queueHarness(repo, candidates, [checkSpec('flaky', flaky.command)], 4);
  const outcomes = await harness.mergeAll();
  for (const id of ['a', 'flaky', 'b', 'c']) expect(outcomes.get(id)?.status).toBe('merged');
  const flakyEvent = harness.events.find((event) => event.type === 'merge:flaky');
  expect(flakyEvent?.type === 'merge:flaky' && flakyEvent.payload.unitId).toBe('flaky');
  // Runs with files/flaky.txt: the batch, the half [a, flaky], flaky's second run (it lands),
  // then b and c, each alone on top of it (the rest of a failed batch is split unverified).
  expect(fs.readFileSync(flaky.counter, 'utf8')).toBe('5');
});

it('merge.confirmFailures off: a lone failure is rejected after one run', async () => {
  repo = makeRepo();
  const flaky = flakyCheck(1);
  harness = await queueHarness(
    repo,
    [{ id: 'flaky', files: { 'files/flaky.txt': 'x' } }],
    [checkSpec('flaky', flaky.command)],
    1,
    { confirmFailures: false },
  );
  const outcomes = await harness.mergeAll();
  expect(outcomes.get('flaky')).toEqual({ status: 'rejected', class: 'red' });
  expect(fs.readFileSync(flaky.counter, 'utf8')).toBe('1');
  // The target once and the candidate once.
  expect(harness.queue.verificationCount).toBe(2);
});

it('lint debt that only moves is not new; fixing it is an improvement and lets green follow', async () => {
  repo = makeRepo();
  const eslint = path.resolve('node_modules/.bin/eslint');
  commitFiles(repo, {
    'eslint.config.mjs':
      "export default [{ files: ['src/**/*.js'], rules: { 'no-unused-vars': 'error' } }];\n",
    'src/old.js': 'const oldUnused = 1;\n',
    'src/other.js': 'const otherUnused = 2;\n',
  });
  const lint = checkSpec('lint', [eslint, 'src'], { parser: 'eslint' });
  harness = await queueHarness(
    repo,
    [
      // Adds lines above the debt: the finding moves from line 1 to line 4.
      {
        id: 'mover',
        files: { 'src/old.js': '// a header\n// that pushes\n// the debt down\nconst oldUnused = 1;\n' },
      },
      { id: 'fixer', files: { 'src/other.js': 'export const otherUnused = 2;\n' } },
    ],
    [lint],
    1,
  );
  const outcomes = await harness.mergeAll();
  expect(outcomes.get('mover')?.status).toBe('merged');
  expect(outcomes.get('fixer')?.status).toBe('merged');
  // lint still fails (the moved debt): green is held back at main, and says why.
  expect(git(repo, 'rev-parse', 'gaffer/green')).toBe(git(repo, 'rev-parse', 'main'));
  const held = harness.events.find((event) => event.type === 'branch:held');
  expect(held?.type === 'branch:held' && held.payload.reason).toContain('gate check lint fails');
});

it('a failure while the queue handles a failure settles the request and keeps the queue alive', async () => {
  repo = makeRepo();
  harness = await queueHarness(
    repo,
    [
      { id: 'broken', files: { 'files/broken.txt': 'BROKEN' } },
      { id: 'fine', files: { 'files/fine.txt': 'fine' } },
    ],
    [checkSpec('files', [process.execPath, 'check.mjs'])],
    1,
  );
  // Every way of ending a request as rejected now fails inside SQLite: the verdict, then the
  // infrastructure rejection the queue's own catch path tries.
  harness.store.db.exec(
    "CREATE TRIGGER no_rejections BEFORE UPDATE OF status ON merge_requests WHEN NEW.status = 'rejected' BEGIN SELECT RAISE(ABORT, 'rejections are refused'); END",
  );
  const outcomes = await harness.mergeAll();
  expect(outcomes.get('broken')).toEqual({ status: 'interrupted' });
  expect(outcomes.get('fine')?.status).toBe('merged');
  const warning = harness.events.find(
    (event) => event.type === 'supervisor:warning' && event.payload.message.includes('could not be recorded'),
  );
  expect(warning).toBeDefined();
  // Still usable: once rejections can be written again, the request ends as it should.
  harness.store.db.exec('DROP TRIGGER no_rejections');
  const broken = harness.store.merges.forRun(1).find((merge) => merge.unit_id === 'broken');
  expect(await harness.queue.enqueue(broken?.id ?? 0)).toEqual({ status: 'rejected', class: 'red' });
});

it('pytest -q with subtests: a deleted test is a regression, as in the field trial that let one through', async () => {
  repo = makeRepo();
  const subtests =
    'def test_many(subtests):\n    for i in range(5):\n        with subtests.test(i=i):\n            assert i >= 0\n';
  commitFiles(repo, { 'tests/test_a.py': `${subtests}\n\ndef test_other():\n    assert True\n` });
  const tests = checkSpec('tests', ['python3', '-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests'], {
    parser: 'pytest',
  });
  harness = await queueHarness(repo, [{ id: 'deleter', files: { 'tests/test_a.py': subtests } }], [tests], 1);
  const outcomes = await harness.mergeAll();
  expect(outcomes.get('deleter')).toEqual({ status: 'rejected', class: 'regression' });
  expect(rejection(harness.events, 'deleter')).toContain(
    'fewer tests ran: 2 on the target, 1 on the candidate',
  );
  const target = harness.events.find(
    (event) => event.type === 'health:snapshot' && event.payload.label === 'baseline',
  );
  expect(target?.type === 'health:snapshot' && target.payload.checks[0]?.counts).toMatchObject({
    passed: 2,
    failed: 0,
  });
});
