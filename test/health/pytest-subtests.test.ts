import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { parseFixture } from './fixtures.js';

// tests/test_subtests.py (3 tests, 8 passing subtests) and tests/test_subtests_fail.py (3 tests, all
// failing: two through 3 failing subtests of 6, one plainly).
const FAILING = [
  'tests/test_subtests_fail.py::test_names_are_short',
  "tests/test_subtests_fail.py::test_names_are_short [name] (name='margaret')",
  'tests/test_subtests_fail.py::test_plain_failure',
  'tests/test_subtests_fail.py::test_stock',
  'tests/test_subtests_fail.py::test_stock [back-ordered]',
  'tests/test_subtests_fail.py::test_stock [discontinued]',
];

// pytest 9 counts "6 failed": 3 tests and 3 subtests. The subtests are counted apart.
const FAIL_COUNTS = { passed: 3, failed: 3, errors: 0, warnings: 0, skipped: 0 };

describe("pytest parser, pytest 9's subtests", () => {
  it('reads a passing run at default verbosity, which does not report passing subtests', () => {
    expect(parseFixture('pytest', 'pytest/subtests-pass')).toEqual({
      parser: 'pytest',
      counts: { passed: 3, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
    });
  });

  it('reads "3 passed, 8 subtests passed" from -q', () => {
    expect(parseFixture('pytest', 'pytest/subtests-pass-quiet')).toEqual({
      parser: 'pytest',
      counts: { passed: 3, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
      subtests: { passed: 8, failed: 0 },
    });
  });

  it('names each failing subtest by its test and description, and counts tests apart from them', () => {
    // Default verbosity leaves passing subtests out, so there is no subtest count to give.
    expect(parseFixture('pytest', 'pytest/subtests-fail')).toEqual({
      parser: 'pytest',
      counts: FAIL_COUNTS,
      failing: FAILING,
      recognized: true,
    });
  });

  it.each(['subtests-fail-quiet', 'subtests-fail-qq'])(
    'counts passing and failing subtests from %s',
    (name) => {
      expect(parseFixture('pytest', `pytest/${name}`)).toEqual({
        parser: 'pytest',
        counts: FAIL_COUNTS,
        failing: FAILING,
        recognized: true,
        subtests: { passed: 11, failed: 3 },
      });
    },
  );

  it('lists the tests, not their subtests, from -v', () => {
    expect(parseFixture('pytest', 'pytest/subtests-fail-verbose')).toEqual({
      parser: 'pytest',
      counts: FAIL_COUNTS,
      failing: FAILING,
      recognized: true,
      subtests: { passed: 11, failed: 3 },
      tests: [
        'tests/test_subtests.py::test_codes_are_upper',
        'tests/test_subtests.py::test_prices_are_positive',
        'tests/test_subtests.py::test_totals',
        'tests/test_subtests_fail.py::test_names_are_short',
        'tests/test_subtests_fail.py::test_plain_failure',
        'tests/test_subtests_fail.py::test_stock',
      ],
    });
  });

  it('reads the -q summary of the run that once went unread', () => {
    expect(parseCheckOutput('pytest', '16 passed, 744 subtests passed in 3.75s', 0)).toMatchObject({
      recognized: true,
      counts: { passed: 16, failed: 0 },
      subtests: { passed: 744, failed: 0 },
    });
  });

  it('keeps a "subtests failed" count out of the failed tests', () => {
    const output = '1 failed, 16 passed, 3 subtests failed, 744 subtests passed in 3.75s';
    expect(parseCheckOutput('pytest', output, 1)).toMatchObject({
      counts: { passed: 16, failed: 1 },
      subtests: { passed: 744, failed: 3 },
    });
  });
});
