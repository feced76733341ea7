import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/events/types.js';
import { MAX_PROPOSALS_PER_SNAPSHOT, proposalsFromSnapshot } from '../../src/discovery/from-health.js';
import { runChecks } from '../../src/health/run-checks.js';
import { CheckSchema } from '../../src/config/schema.js';
import { redact } from '../../src/util/redact.js';
import { fixtureCheck, logFolder, outputCheck, snapshotOf } from './snapshots.js';

const COMMIT = '1a2b3c4d5e6f7a8b9c0d';
const ROUND_2 = { round: 2, label: 'round' };

let logs: ReturnType<typeof logFolder>;
beforeEach(() => {
  logs = logFolder();
});
afterEach(() => logs.remove());

describe('proposals from a health snapshot', () => {
  it('proposes nothing for a snapshot whose checks pass', () => {
    const snapshot = snapshotOf(COMMIT, [
      fixtureCheck(logs.dir, { name: 'tests', parser: 'vitest', fixture: 'vitest/pass' }),
      fixtureCheck(logs.dir, { name: 'lint', parser: 'eslint', fixture: 'eslint/stylish-pass' }),
    ]);
    expect(snapshot.passed).toBe(true);
    expect(proposalsFromSnapshot(snapshot, ROUND_2)).toEqual([]);
  });

  it('makes one proposal per failing vitest test, naming the check, the test, its file and how it failed', () => {
    const snapshot = snapshotOf(COMMIT, [
      fixtureCheck(logs.dir, { name: 'tests', parser: 'vitest', fixture: 'vitest/fail' }),
    ]);
    const proposals = proposalsFromSnapshot(snapshot, ROUND_2);
    expect(proposals.map((proposal) => proposal.unitId)).toEqual([
      'fix-applies-discount-in-fail-test-js',
      'fix-is-free-over-50-in-fail-test-js',
      'fix-parses-dates-in-fail-test-js',
    ]);
    const [first] = proposals;
    expect(first).toMatchObject({
      title: 'Fix "applies discount" in fail.test.js > cart',
      source: 'health',
      files: ['fail.test.js'],
      dependsOn: [],
      discoveredFrom:
        'check "tests" on 1a2b3c4d5e (round 2): test "fail.test.js > cart > applies discount" failed',
      keys: [
        'title:fix applies discount in fail test js cart',
        'test:fail.test.js > cart > applies discount',
      ],
    });
    const lines = first?.prompt.split('\n') ?? [];
    expect(lines.slice(0, 3)).toEqual([
      'The test "fail.test.js > cart > applies discount" fails in check "tests" (gating) on 1a2b3c4d5e (round 2).',
      'Test file: fail.test.js',
      'Make it pass by fixing the code it tests (or the test, if the test is wrong); keep every other test passing.',
    ]);
    expect(lines).toContain('How it failed:');
    expect(lines).toContain('   FAIL  fail.test.js > cart > applies discount');
    expect(lines).toContain('  AssertionError: expected 90 to be 80 // Object.is equality');
    // The excerpt is this test's failure alone, not the next one's.
    expect(first?.prompt).not.toContain('shipping service unavailable');
  });

  it("quotes pytest's summary line for each failing test, errors at setup included", () => {
    const snapshot = snapshotOf(COMMIT, [
      fixtureCheck(logs.dir, { name: 'pytest', parser: 'pytest', fixture: 'pytest/fail' }),
    ]);
    const proposals = proposalsFromSnapshot(snapshot, { round: null, label: 'baseline' });
    expect(proposals.map((proposal) => [proposal.unitId, proposal.title])).toEqual([
      ['fix-test-free-over-50-in-tests-test', 'Fix "test_free_over_50" in tests/test_fail.py::TestShipping'],
      ['fix-test-applies-discount-in-tests-test', 'Fix "test_applies_discount" in tests/test_fail.py'],
      ['fix-test-parses-dates-not-a-date', 'Fix "test_parses_dates[not a date]" in tests/test_fail.py'],
      ['fix-test-uses-database-in-tests-test', 'Fix "test_uses_database" in tests/test_fail.py'],
    ]);
    const discount = proposals[1];
    expect(discount?.discoveredFrom).toBe(
      'check "pytest" on 1a2b3c4d5e (baseline): test "tests/test_fail.py::test_applies_discount" failed',
    );
    expect(discount?.files).toEqual(['tests/test_fail.py']);
    expect(discount?.prompt).toContain(
      'How it failed:\n  FAILED tests/test_fail.py::test_applies_discount - assert (100 * 0.9) == 80',
    );
    expect(proposals[3]?.prompt).toContain(
      '  ERROR tests/test_fail.py::test_uses_database - ConnectionError: database is down',
    );
  });

  it("points to the log when the runner's output does not name the test in full (node:test)", () => {
    const check = fixtureCheck(logs.dir, {
      name: 'node',
      parser: 'node-test',
      fixture: 'node-test/spec-fail',
    });
    const proposals = proposalsFromSnapshot(snapshotOf(COMMIT, [check]), ROUND_2);
    expect(proposals.length).toBe(check.parsed?.failing.length);
    expect(proposals[0]?.prompt).toContain(`Its failure output is in the check's log: ${check.logPath}`);
  });

  it('makes one proposal per file of lint findings, listing the errors with rule, line and message', () => {
    const snapshot = snapshotOf(COMMIT, [
      fixtureCheck(logs.dir, { name: 'lint', parser: 'eslint', fixture: 'eslint/stylish-fail' }),
    ]);
    const proposals = proposalsFromSnapshot(snapshot, ROUND_2);
    expect(proposals.map((proposal) => proposal.unitId)).toEqual([
      'fix-lint-findings-in-src-broken-js',
      'fix-lint-findings-in-src-cart-js',
    ]);
    const cart = proposals[1];
    expect(cart).toMatchObject({
      title: 'Fix lint findings in src/cart.js',
      files: ['src/cart.js'],
      discoveredFrom: 'check "lint" on 1a2b3c4d5e (round 2): 2 findings in src/cart.js',
      keys: ['title:fix lint findings in src cart js', 'files:health/lint:src/cart.js'],
    });
    // Warnings did not fail the check: only its errors are work.
    expect(cart?.prompt).toBe(
      [
        'Check "lint" (gating) reports 2 findings in src/cart.js on 1a2b3c4d5e (round 2):',
        "  - line 4 no-unused-vars: 'unused' is assigned a value but never used (error)",
        "  - line 6 eqeqeq: Expected '===' and instead saw '==' (error)",
        '',
        'Fix them without unrelated changes, so that the check no longer reports them.',
      ].join('\n'),
    );
  });

  it('clusters type errors by file: two files, two proposals', () => {
    const snapshot = snapshotOf(COMMIT, [
      fixtureCheck(logs.dir, { name: 'types', parser: 'tsc', fixture: 'tsc/fail' }),
    ]);
    const proposals = proposalsFromSnapshot(snapshot, ROUND_2);
    expect(proposals.map((proposal) => [proposal.title, proposal.files])).toEqual([
      ['Fix types findings in src/cart.ts', ['src/cart.ts']],
      ['Fix types findings in src/orders.ts', ['src/orders.ts']],
    ]);
    expect(proposals[0]?.prompt).toContain("  - line 5 TS18048: 'coupon' is possibly 'undefined'. (error)");
  });

  it('lists security findings of high and medium severity by file', () => {
    const snapshot = snapshotOf(COMMIT, [
      fixtureCheck(logs.dir, { name: 'security', parser: 'bandit', fixture: 'bandit/fail' }),
    ]);
    const [proposal, ...rest] = proposalsFromSnapshot(snapshot, ROUND_2);
    expect(rest).toEqual([]);
    expect(proposal?.title).toBe('Fix security findings in src/tasks.py');
    expect(proposal?.prompt).toContain('  - line 7 B602:');
    expect(proposal?.prompt).not.toContain('B403');
  });

  it('gives a check that failed with nothing parsed the end of its log, redacted', () => {
    const secret = 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345';
    const output = [
      ...Array.from({ length: 80 }, (_, index) => `compiling module ${index}`),
      `using key ${secret}`,
      'error: build failed',
    ].join('\n');
    const check = outputCheck(logs.dir, { name: 'build', parser: 'exit-code', output, exitCode: 2 });
    const [proposal, ...rest] = proposalsFromSnapshot(snapshotOf(COMMIT, [check]), ROUND_2);
    expect(rest).toEqual([]);
    expect(proposal).toMatchObject({
      unitId: 'fix-failing-check-build',
      title: 'Fix failing check "build"',
      files: [],
      discoveredFrom: 'check "build" on 1a2b3c4d5e (round 2): it exited with code 2',
      keys: ['title:fix failing check build'],
    });
    const lines = proposal?.prompt.split('\n') ?? [];
    expect(lines.slice(0, 4)).toEqual([
      'Check "build" (gating) fails on 1a2b3c4d5e (round 2): it exited with code 2.',
      'No failing test or finding could be read from its output.',
      '',
      `The end of its output (log: ${check.logPath}):`,
    ]);
    // The last 60 lines: "compiling module 22" is the first of them.
    expect(lines).toContain('  compiling module 22');
    expect(lines).not.toContain('  compiling module 21');
    expect(lines).toContain('  error: build failed');
    expect(proposal?.prompt).not.toContain(secret);
    expect(proposal?.prompt).toContain(redact(`using key ${secret}`));
    expect(lines.at(-1)).toBe('Make the check pass without unrelated changes.');
  });

  it('caps the tail at 8 KiB of log', () => {
    const output = Array.from({ length: 60 }, (_, index) => `${index} ${'x'.repeat(400)}`).join('\n');
    const check = outputCheck(logs.dir, { name: 'build', parser: 'exit-code', output, exitCode: 1 });
    const [proposal] = proposalsFromSnapshot(snapshotOf(COMMIT, [check]), ROUND_2);
    const quoted = (proposal?.prompt.split('\n') ?? []).filter((line) => line.includes('xxxx'));
    expect(quoted.length).toBeGreaterThan(10);
    expect(quoted.length).toBeLessThan(21);
    expect(quoted.join('\n').length).toBeLessThanOrEqual(8 * 1024 + quoted.length * 2);
    expect(quoted.at(-1)).toMatch(/^ {2}59 x+$/);
  });

  it('says the log is missing, and quotes what the snapshot kept', () => {
    const check: CheckResult = {
      ...outputCheck(logs.dir, { name: 'build', parser: 'exit-code', output: 'boom\n', exitCode: 1 }),
      logPath: path.join(logs.dir, 'gone.log'),
      tail: ['last words'],
    };
    const [proposal] = proposalsFromSnapshot(snapshotOf(COMMIT, [check]), ROUND_2);
    expect(proposal?.prompt).toContain(
      `The check's log (${check.logPath}) is missing or unreadable; the last lines the snapshot kept:\n  last words`,
    );
  });

  it('proposes unreadable output as the check, with the reason', () => {
    const check = outputCheck(logs.dir, {
      name: 'tests',
      parser: 'vitest',
      output: 'Segmentation fault\n',
      exitCode: 139,
    });
    expect(check.unreadable).toBe(true);
    const [proposal] = proposalsFromSnapshot(snapshotOf(COMMIT, [check]), ROUND_2);
    expect(proposal?.prompt.split('\n')[0]).toBe(
      `Check "tests" (gating) fails on 1a2b3c4d5e (round 2): it exited with code 139; ${check.note}.`,
    );
    expect(proposal?.prompt).toContain('  Segmentation fault');
  });

  it('puts gating checks first and keeps at most 20 proposals, naming the rest in the last', () => {
    const failing = Array.from(
      { length: 24 },
      (_, index) => `math.test.js > case ${String(index).padStart(2, '0')}`,
    );
    const manyTests: CheckResult = {
      ...outputCheck(logs.dir, { name: 'tests', parser: 'exit-code', output: '', exitCode: 1 }),
      parsed: {
        parser: 'vitest',
        counts: { passed: 0, failed: 24, errors: 0, warnings: 0, skipped: 0 },
        failing,
        recognized: true,
      },
    };
    const advisory = outputCheck(logs.dir, {
      name: 'advisory',
      parser: 'exit-code',
      output: 'slow\n',
      exitCode: 1,
      gate: false,
    });
    const proposals = proposalsFromSnapshot(snapshotOf(COMMIT, [advisory, manyTests]), ROUND_2);
    expect(proposals).toHaveLength(MAX_PROPOSALS_PER_SNAPSHOT);
    expect(proposals[0]?.title).toBe('Fix "case 00" in math.test.js');
    expect(proposals.at(-1)?.title).toBe('Fix "case 19" in math.test.js');
    expect(proposals.at(-1)?.prompt).toContain(
      [
        'Not proposed from this snapshot (at most 20 proposals per snapshot), 5 more:',
        '  - test "math.test.js > case 20" (check "tests")',
        '  - test "math.test.js > case 21" (check "tests")',
        '  - test "math.test.js > case 22" (check "tests")',
        '  - test "math.test.js > case 23" (check "tests")',
        '  - check "advisory"',
      ].join('\n'),
    );
    expect(new Set(proposals.map((proposal) => proposal.unitId)).size).toBe(MAX_PROPOSALS_PER_SNAPSHOT);
    // The same snapshot gives the same proposals.
    expect(proposalsFromSnapshot(snapshotOf(COMMIT, [advisory, manyTests]), ROUND_2)).toEqual(proposals);
  });

  it('reads a snapshot the check runner made from a real node --test run', async () => {
    const project = path.join(logs.dir, 'project');
    mkdirSync(project);
    writeFileSync(
      path.join(project, 'math.test.mjs'),
      [
        "import { test } from 'node:test';",
        "import assert from 'node:assert/strict';",
        "test('adds', () => assert.equal(1 + 1, 3));",
        "test('subtracts', () => assert.equal(2 - 1, 1));",
      ].join('\n'),
    );
    const checks = [
      CheckSchema.parse({
        name: 'tests',
        command: [process.execPath, '--test', '--test-reporter=spec', 'math.test.mjs'],
        parser: 'node-test',
      }),
    ];
    const snapshot = await runChecks({
      cwd: project,
      commit: COMMIT,
      checks,
      logDir: logs.dir,
      logPrefix: 'round-2',
      graceMs: 1000,
      redact,
    });
    expect(snapshot.passed).toBe(false);
    const proposals = proposalsFromSnapshot(snapshot, ROUND_2);
    expect(proposals.map((proposal) => [proposal.unitId, proposal.title, proposal.files])).toEqual([
      ['fix-adds-in-math-test-mjs', 'Fix "adds" in math.test.mjs', ['math.test.mjs']],
    ]);
    expect(proposals[0]?.prompt.split('\n')[0]).toBe(
      'The test "math.test.mjs > adds" fails in check "tests" (gating) on 1a2b3c4d5e (round 2).',
    );
  });
});
