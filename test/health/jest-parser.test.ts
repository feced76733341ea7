import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { loadFixture, parseFixture } from './fixtures.js';

const FAILING = [
  'fail.test.js > cart > applies discount',
  'fail.test.js > cart > shipping > is free over 50',
  'fail.test.js > parses dates',
];
const FAIL_FILE_TESTS = [
  'fail.test.js > cart > applies discount',
  'fail.test.js > cart > shipping > costs 5 below 50',
  'fail.test.js > cart > shipping > is free over 50',
  'fail.test.js > cart > sums items',
  'fail.test.js > parses dates',
];
const PASS_TESTS = [
  'pass.test.js > math > adds',
  'pass.test.js > math > multiplies',
  'pass.test.js > top-level passes',
];
const SKIP_TESTS = [
  'skip.test.js > search > finds exact matches',
  'skip.test.js > search > handles unicode',
  'skip.test.js > search > highlights matches',
  'skip.test.js > search > ranks fuzzy matches',
];

describe('jest parser (real jest 30 output)', () => {
  it('reads a passing run of one file, which jest lists test by test', () => {
    expect(parseFixture('jest', 'jest/pass')).toEqual({
      parser: 'jest',
      counts: { passed: 3, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
      tests: PASS_TESTS,
    });
  });

  it('names each failing test by its file and "●" heading; two files list no tests', () => {
    expect(parseFixture('jest', 'jest/fail')).toEqual({
      parser: 'jest',
      counts: { passed: 5, failed: 3, errors: 0, warnings: 0, skipped: 0 },
      failing: FAILING,
      recognized: true,
    });
  });

  it('counts skipped and todo tests as skipped, and lists them', () => {
    expect(parseFixture('jest', 'jest/skip')).toEqual({
      parser: 'jest',
      counts: { passed: 1, failed: 0, errors: 0, warnings: 0, skipped: 3 },
      failing: [],
      recognized: true,
      tests: SKIP_TESTS,
    });
  });

  it('counts a suite that failed to run as an error named by the file', () => {
    expect(parseFixture('jest', 'jest/load-error')).toEqual({
      parser: 'jest',
      counts: { passed: 3, failed: 0, errors: 1, warnings: 0, skipped: 0 },
      failing: ['load-error.test.js'],
      recognized: true,
    });
  });

  it('reads output with colour forced on', () => {
    expect(parseFixture('jest', 'jest/fail-color')).toEqual({
      parser: 'jest',
      counts: { passed: 2, failed: 3, errors: 0, warnings: 0, skipped: 0 },
      failing: FAILING,
      recognized: true,
      tests: FAIL_FILE_TESTS,
    });
  });

  it('lists no tests from several passing files without --verbose', () => {
    expect(parseFixture('jest', 'jest/several-files')).toEqual({
      parser: 'jest',
      counts: { passed: 4, failed: 0, errors: 0, warnings: 0, skipped: 3 },
      failing: [],
      recognized: true,
    });
  });

  it('lists every test of several files with --verbose', () => {
    expect(parseFixture('jest', 'jest/verbose-fail')).toEqual({
      parser: 'jest',
      counts: { passed: 6, failed: 3, errors: 0, warnings: 0, skipped: 3 },
      failing: FAILING,
      recognized: true,
      tests: [...FAIL_FILE_TESTS, ...PASS_TESTS, ...SKIP_TESTS],
    });
  });

  it('reads the --json report of a passing run from among the text on stderr', () => {
    expect(parseFixture('jest', 'jest/json-pass')).toEqual({
      parser: 'jest',
      counts: { passed: 4, failed: 0, errors: 0, warnings: 0, skipped: 3 },
      failing: [],
      recognized: true,
      tests: [...PASS_TESTS, ...SKIP_TESTS],
    });
  });

  it('reads the --json report with the same names as the text, a suite that failed to run included', () => {
    expect(parseFixture('jest', 'jest/json-fail')).toEqual({
      parser: 'jest',
      counts: { passed: 6, failed: 3, errors: 1, warnings: 0, skipped: 3 },
      failing: [...FAILING, 'load-error.test.js'],
      recognized: true,
      tests: [...FAIL_FILE_TESTS, ...PASS_TESTS, ...SKIP_TESTS],
    });
  });

  it('finds the report when stderr text runs into its line', () => {
    const { output, exitCode, cwd } = loadFixture('jest/json-fail');
    const joined = output.replace('\n{"num', '\nRan all test suites.{"num');
    expect(joined).not.toBe(output);
    expect(parseCheckOutput('jest', joined, exitCode, { cwd }).counts).toMatchObject({
      failed: 3,
      errors: 1,
    });
  });

  it("does not take vitest's JSON report for its own", () => {
    expect(parseFixture('jest', 'vitest/json-fail').recognized).toBe(false);
  });

  it('reads a run in which every suite failed to run', () => {
    const output = [
      'FAIL src/a.test.js',
      '  ● Test suite failed to run',
      '',
      'Test Suites: 1 failed, 1 total',
      'Tests:       0 total',
    ].join('\n');
    expect(parseCheckOutput('jest', output, 1)).toMatchObject({
      recognized: true,
      counts: { passed: 0, failed: 0, errors: 1 },
      failing: ['src/a.test.js'],
    });
  });

  it("does not recognize vitest's output", () => {
    expect(parseFixture('jest', 'vitest/fail-color')).toMatchObject({ recognized: false, failing: [] });
  });
});
