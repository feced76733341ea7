import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { cleanup, git, makeRepo } from '../integration/mission-fixture.js';
import { checkSpec, commitFiles as commitFixture, queueHarness, type QueueHarness } from './queue-harness.js';

let repo = '';
let outside = '';
let harness: QueueHarness | undefined;
afterEach(() => {
  harness?.close();
  harness = undefined;
  cleanup(repo);
  if (outside) fs.rmSync(outside, { recursive: true, force: true });
});

const commitFiles = (files: Record<string, string>): void => commitFixture(repo, files);
const check = checkSpec;

const nodeTest = (name: string) =>
  `import test from 'node:test';\nimport assert from 'node:assert/strict';\ntest('${name}', () => assert.equal(1, 1));\n`;

it('a check killed by its timeout is infrastructure: verified once more, then requeued without a strike', async () => {
  repo = makeRepo();
  commitFiles({
    'slow.mjs':
      "import fs from 'node:fs';\nif (fs.existsSync('files/slow.txt')) setTimeout(() => {}, 3_600_000);\n",
  });
  harness = await queueHarness(
    repo,
    [{ id: 'slow', files: { 'files/slow.txt': 'x' } }],
    // Meant to run out on the candidate, yet ample for the target's run (a node start) on a loaded machine.
    [check('slow', [process.execPath, 'slow.mjs'], { timeoutMs: 5000 })],
    1,
  );
  const outcomes = await harness.mergeAll();
  expect(outcomes.get('slow')).toEqual({ status: 'rejected', class: 'infrastructure' });
  // The target once, the candidate twice: a timeout is never taken for a red test on first sight.
  expect(harness.queue.verificationCount).toBe(3);
  expect(harness.store.units.get(1, 'slow')).toMatchObject({ status: 'pending', strikes: 0 });
});

it('a check that fails and then passes on the same commit is flaky: accepted, and said', async () => {
  repo = makeRepo();
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-flaky-'));
  const counter = path.join(outside, 'runs');
  // Fails on every other run, counted in a file outside the repository.
  commitFiles({
    'flaky.mjs': `import fs from 'node:fs';\nconst f = ${JSON.stringify(counter)};\nconst n = fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8')) + 1 : 1;\nfs.writeFileSync(f, String(n));\nprocess.exit(n % 2 === 0 ? 1 : 0);\n`,
  });
  harness = await queueHarness(
    repo,
    [{ id: 'lucky', files: { 'files/lucky.txt': 'x' } }],
    [check('flaky', [process.execPath, 'flaky.mjs'])],
    1,
  );
  const outcomes = await harness.mergeAll();
  expect(outcomes.get('lucky')?.status).toBe('merged');
  const flaky = harness.events.find((event) => event.type === 'merge:flaky');
  expect(flaky?.payload).toMatchObject({ unitId: 'lucky', checks: ['flaky'] });
  expect(harness.store.health.forRun(1).some((row) => row.checks_json.includes('"flaky":true'))).toBe(true);
});

it('skipping tests is a regression even though every remaining test passes', async () => {
  repo = makeRepo();
  commitFiles({ 'test/a.test.mjs': nodeTest('a'), 'test/b.test.mjs': nodeTest('b') });
  const tests = check('tests', [process.execPath, '--test', 'test/'], { parser: 'node-test' });
  harness = await queueHarness(
    repo,
    [
      {
        id: 'shrink',
        files: { 'test/b.test.mjs': "import test from 'node:test';\ntest.skip('b', () => {});\n" },
      },
    ],
    [tests],
    1,
  );
  const outcomes = await harness.mergeAll();
  expect(outcomes.get('shrink')).toEqual({ status: 'rejected', class: 'regression' });
  const rejected = harness.events.find((event) => event.type === 'merge:rejected');
  expect(rejected?.type === 'merge:rejected' && rejected.payload.detail).toContain(
    'fewer tests ran: 2 on the target, 1 on the candidate',
  );
  expect(harness.store.units.get(1, 'shrink')).toMatchObject({ status: 'pending', strikes: 1 });
});

it('a test that newly fails on an already red target is a regression; the failure it already had blocks no one', async () => {
  repo = makeRepo();
  commitFiles({
    'test/a.test.mjs': nodeTest('a'),
    'test/old.test.mjs':
      "import test from 'node:test';\ntest('already broken', () => { throw new Error('old'); });\n",
  });
  const tests = check('tests', [process.execPath, '--test', 'test/'], { parser: 'node-test' });
  harness = await queueHarness(
    repo,
    [
      { id: 'innocent', files: { 'files/innocent.txt': 'x' } },
      {
        id: 'breaker',
        files: {
          'test/a.test.mjs': "import test from 'node:test';\ntest('a', () => { throw new Error('new'); });\n",
        },
      },
    ],
    [tests],
    1,
  );
  const outcomes = await harness.mergeAll();
  // The target was already red: the innocent unit lands on working, green stays where it was.
  expect(outcomes.get('innocent')?.status).toBe('merged');
  expect(git(repo, 'rev-parse', 'gaffer/green')).toBe(git(repo, 'rev-parse', 'main'));
  expect(outcomes.get('breaker')).toEqual({ status: 'rejected', class: 'regression' });
  const rejected = harness.events.find((event) => event.type === 'merge:rejected');
  expect(rejected?.type === 'merge:rejected' && rejected.payload.detail).toMatch(/test now fails: .*a/);
});

it('a new lint finding on top of old ones is a regression, named by file, line and rule', async () => {
  repo = makeRepo();
  const eslint = path.resolve('node_modules/.bin/eslint');
  commitFiles({
    'eslint.config.mjs':
      "export default [{ files: ['src/**/*.js'], rules: { 'no-unused-vars': 'error' } }];\n",
    'src/old.js': 'const oldUnused = 1;\n',
  });
  const lint = check('lint', [eslint, 'src'], { parser: 'eslint' });
  harness = await queueHarness(
    repo,
    [
      { id: 'tidy', files: { 'src/tidy.js': 'export const used = 1;\n' } },
      { id: 'sloppy', files: { 'src/sloppy.js': 'const newUnused = 2;\n' } },
    ],
    [lint],
    1,
  );
  const outcomes = await harness.mergeAll();
  // lint already failed on the target: a candidate that adds nothing lands.
  expect(outcomes.get('tidy')?.status).toBe('merged');
  expect(outcomes.get('sloppy')).toEqual({ status: 'rejected', class: 'regression' });
  const rejected = harness.events.find((event) => event.type === 'merge:rejected');
  expect(rejected?.type === 'merge:rejected' && rejected.payload.detail).toContain(
    'new finding: src/sloppy.js:1 no-unused-vars',
  );
});
