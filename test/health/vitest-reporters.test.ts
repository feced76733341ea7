import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { loadFixture, parseFixture } from './fixtures.js';

const FAILING = [
  'fail.test.js > cart > applies discount',
  'fail.test.js > cart > shipping > is free over 50',
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
// pass.test.js, fail.test.js and skip.test.js, sorted.
const ALL_TESTS = [
  'fail.test.js > cart > applies discount',
  'fail.test.js > cart > shipping > costs 5 below 50',
  'fail.test.js > cart > shipping > is free over 50',
  'fail.test.js > cart > sums items',
  'fail.test.js > parses dates',
  ...PASS_TESTS,
  ...SKIP_TESTS,
];

describe('vitest parser, reporters that name every test (real vitest 4 output)', () => {
  it.each(['verbose-fail', 'tree-fail'])('lists every test from %s', (name) => {
    expect(parseFixture('vitest', `vitest/${name}`)).toEqual({
      parser: 'vitest',
      counts: { passed: 6, failed: 3, errors: 0, warnings: 0, skipped: 3 },
      failing: FAILING,
      recognized: true,
      tests: ALL_TESTS,
    });
  });

  it('lists the tests that ran beside a file that failed to load, which is not a test', () => {
    expect(parseFixture('vitest', 'vitest/verbose-load-error')).toEqual({
      parser: 'vitest',
      counts: { passed: 3, failed: 0, errors: 1, warnings: 0, skipped: 0 },
      failing: ['load-error.test.js'],
      recognized: true,
      tests: PASS_TESTS,
    });
  });

  it('reads the JSON report of a passing run', () => {
    expect(parseFixture('vitest', 'vitest/json-pass')).toEqual({
      parser: 'vitest',
      counts: { passed: 4, failed: 0, errors: 0, warnings: 0, skipped: 3 },
      failing: [],
      recognized: true,
      tests: [...PASS_TESTS, ...SKIP_TESTS],
    });
  });

  it('reads the JSON report with the same names as the text reporters, load errors included', () => {
    expect(parseFixture('vitest', 'vitest/json-fail')).toEqual({
      parser: 'vitest',
      counts: { passed: 6, failed: 3, errors: 1, warnings: 0, skipped: 3 },
      failing: [...FAILING, 'load-error.test.js'],
      recognized: true,
      tests: ALL_TESTS,
    });
  });

  it('finds the JSON report among other lines, and not in a cut report', () => {
    const { output, exitCode, cwd } = loadFixture('vitest/json-fail');
    const noisy = `npm warn Unknown user config "nodedir".\n${output}(node:123) Warning: something\n`;
    expect(parseCheckOutput('vitest', noisy, exitCode, { cwd }).counts.failed).toBe(3);
    expect(parseCheckOutput('vitest', output.slice(0, output.length / 2), exitCode).recognized).toBe(false);
  });

  it("does not take jest's JSON report for its own", () => {
    expect(parseFixture('vitest', 'jest/json-fail').recognized).toBe(false);
  });

  it('lists no tests from a tree with a suite line missing', () => {
    const { output, exitCode } = loadFixture('vitest/tree-fail');
    const parsed = parseCheckOutput('vitest', output.replace('   ❯ cart (4)\n', ''), exitCode);
    expect(parsed).toMatchObject({ recognized: true, counts: { passed: 6, failed: 3 } });
    expect(parsed.tests).toBeUndefined();
  });
});
