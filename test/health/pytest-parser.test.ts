import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { parseFixture } from './fixtures.js';

const FAILING = [
  'tests/test_fail.py::TestShipping::test_free_over_50',
  'tests/test_fail.py::test_applies_discount',
  'tests/test_fail.py::test_parses_dates[not a date]',
  'tests/test_fail.py::test_uses_database',
];

// Every test of tests/test_pass.py and tests/test_fail.py, as -v and -rA name them.
const PASS_AND_FAIL_TESTS = [
  'tests/test_fail.py::TestShipping::test_costs_5_below_50',
  'tests/test_fail.py::TestShipping::test_free_over_50',
  'tests/test_fail.py::test_applies_discount',
  'tests/test_fail.py::test_parses_dates[2024-01-01]',
  'tests/test_fail.py::test_parses_dates[not a date]',
  'tests/test_fail.py::test_sums_items',
  'tests/test_fail.py::test_uses_database',
  'tests/test_pass.py::TestMath::test_multiplies',
  'tests/test_pass.py::TestMath::test_positive[1]',
  'tests/test_pass.py::TestMath::test_positive[2]',
  'tests/test_pass.py::TestMath::test_positive[3]',
  'tests/test_pass.py::test_adds',
];

const FAIL_COUNTS = { passed: 8, failed: 3, errors: 1, warnings: 0, skipped: 0 };
const NOTHING = { passed: 0, failed: 0, errors: 0, warnings: 0, skipped: 0 };

describe('pytest parser (real python3 -m pytest 9 output)', () => {
  it('reads a passing run, which names no test at default verbosity', () => {
    expect(parseFixture('pytest', 'pytest/pass')).toEqual({
      parser: 'pytest',
      counts: { passed: 5, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
    });
  });

  it('names failed tests and fixture errors by node id, parametrize ids with spaces included', () => {
    const parsed = parseFixture('pytest', 'pytest/fail');
    expect(parsed.counts).toEqual(FAIL_COUNTS);
    expect(parsed.failing).toEqual(FAILING);
    // The short summary names the failures only: not every test, so no list.
    expect(parsed.tests).toBeUndefined();
  });

  it.each(['fail-quiet', 'fail-qq'])('reads %s, without the "=" frame or without any summary', (name) => {
    expect(parseFixture('pytest', `pytest/${name}`)).toEqual({
      parser: 'pytest',
      counts: FAIL_COUNTS,
      failing: FAILING,
      recognized: true,
    });
  });

  it.each(['pass-quiet', 'pass-qq'])('reads the passing %s run', (name) => {
    expect(parseFixture('pytest', `pytest/${name}`)).toEqual({
      parser: 'pytest',
      counts: { passed: 5, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
    });
  });

  it.each(['fail-verbose', 'fail-report-all'])('lists every test from %s', (name) => {
    const parsed = parseFixture('pytest', `pytest/${name}`);
    expect(parsed.counts).toEqual(FAIL_COUNTS);
    expect(parsed.failing).toEqual(FAILING);
    expect(parsed.tests).toEqual(PASS_AND_FAIL_TESTS);
  });

  it('counts skipped and xfailed tests as skipped', () => {
    expect(parseFixture('pytest', 'pytest/skip')).toEqual({
      parser: 'pytest',
      counts: { passed: 1, failed: 0, errors: 0, warnings: 0, skipped: 3 },
      failing: [],
      recognized: true,
    });
  });

  it('counts an xpass as passed, an xfail as skipped, a strict xpass as a failure', () => {
    expect(parseFixture('pytest', 'pytest/xfail')).toEqual({
      parser: 'pytest',
      counts: { passed: 2, failed: 1, errors: 0, warnings: 0, skipped: 1 },
      failing: ['tests/test_xfail.py::test_knows_every_currency'],
      recognized: true,
    });
  });

  it('lists skipped, xfailed and xpassed tests from -v', () => {
    const parsed = parseFixture('pytest', 'pytest/xfail-verbose');
    expect(parsed.counts).toEqual({ passed: 3, failed: 1, errors: 0, warnings: 0, skipped: 4 });
    expect(parsed.failing).toEqual(['tests/test_xfail.py::test_knows_every_currency']);
    expect(parsed.tests).toEqual([
      'tests/test_skip.py::test_finds_exact_matches',
      'tests/test_skip.py::test_handles_bytes',
      'tests/test_skip.py::test_handles_unicode',
      'tests/test_skip.py::test_ranks_fuzzy_matches',
      'tests/test_xfail.py::test_formats_cents',
      'tests/test_xfail.py::test_knows_every_currency',
      'tests/test_xfail.py::test_rounds_half_even',
      'tests/test_xfail.py::test_rounds_half_up',
    ]);
  });

  it('lists no tests from -rA when skips are named only by file and line', () => {
    const parsed = parseFixture('pytest', 'pytest/skip-report-all');
    expect(parsed.counts).toEqual({ passed: 3, failed: 1, errors: 0, warnings: 0, skipped: 4 });
    expect(parsed.failing).toEqual(['tests/test_xfail.py::test_knows_every_currency']);
    expect(parsed.tests).toBeUndefined();
  });

  it.each(['collection-error', 'collection-error-quiet', 'collection-error-qq'])(
    'counts a module that failed to collect (%s) as an error named by the module',
    (name) => {
      expect(parseFixture('pytest', `pytest/${name}`)).toEqual({
        parser: 'pytest',
        counts: { passed: 0, failed: 0, errors: 1, warnings: 0, skipped: 0 },
        failing: ['tests/test_collection_error.py'],
        recognized: true,
        // Collection stopped the run: no test ran, and none is named.
        tests: [],
      });
    },
  );

  it.each(['no-tests', 'no-tests-quiet', 'deselected'])('reads %s as a run of no tests', (name) => {
    expect(parseFixture('pytest', `pytest/${name}`)).toEqual({
      parser: 'pytest',
      counts: NOTHING,
      failing: [],
      recognized: true,
      tests: [],
    });
  });

  it('does not recognize -qq with nothing collected: pytest printed nothing to read', () => {
    expect(parseFixture('pytest', 'pytest/no-tests-qq')).toEqual({
      parser: 'pytest',
      counts: NOTHING,
      failing: [],
      recognized: false,
    });
  });

  it('reads warnings and the xpassed label from a summary', () => {
    const output = '=========== 1 failed, 1 passed, 1 xpassed, 2 warnings in 0.12s ===========';
    expect(parseCheckOutput('pytest', output, 1).counts).toEqual({
      passed: 2,
      failed: 1,
      errors: 0,
      warnings: 2,
      skipped: 0,
    });
  });

  it('does not recognize a run killed before its summary, or -qq progress short of 100%', () => {
    expect(parseCheckOutput('pytest', 'tests/test_pass.py ..\ntests/test_slow.py ', null).recognized).toBe(
      false,
    );
    expect(parseCheckOutput('pytest', '.....F..   [ 40%]\n', null).recognized).toBe(false);
  });

  it("does not take a progress line's letters for pytest's unless they are all pytest's", () => {
    expect(parseCheckOutput('pytest', '..R..   [100%]\n', 0).recognized).toBe(false);
  });
});
