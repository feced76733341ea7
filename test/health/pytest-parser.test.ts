import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { parseFixture } from './fixtures.js';

const FAILING = [
  'tests/test_fail.py::TestShipping::test_free_over_50',
  'tests/test_fail.py::test_applies_discount',
  'tests/test_fail.py::test_parses_dates[not a date]',
  'tests/test_fail.py::test_uses_database',
];

describe('pytest parser (real python3 -m pytest output)', () => {
  it('reads a passing run', () => {
    expect(parseFixture('pytest', 'pytest/pass')).toEqual({
      parser: 'pytest',
      counts: { passed: 5, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
    });
  });

  it('names failed tests and fixture errors by node id, parametrize ids with spaces included', () => {
    const parsed = parseFixture('pytest', 'pytest/fail');
    expect(parsed.counts).toEqual({ passed: 8, failed: 3, errors: 1, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual(FAILING);
  });

  it('reads the -q summary, which has no "=" frame and truncated reasons', () => {
    const parsed = parseFixture('pytest', 'pytest/fail-quiet');
    expect(parsed.counts).toEqual({ passed: 8, failed: 3, errors: 1, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual(FAILING);
  });

  it('counts skipped and xfailed tests as skipped', () => {
    const parsed = parseFixture('pytest', 'pytest/skip');
    expect(parsed.counts).toEqual({ passed: 1, failed: 0, errors: 0, warnings: 0, skipped: 3 });
  });

  it('counts a module that failed to collect as an error named by the module', () => {
    const parsed = parseFixture('pytest', 'pytest/collection-error');
    expect(parsed.counts).toEqual({ passed: 0, failed: 0, errors: 1, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual(['tests/test_collection_error.py']);
  });

  it('reads -v progress lines, warnings, xpassed and "no tests ran"', () => {
    const verbose = [
      'tests/test_a.py::test_one PASSED                                         [ 50%]',
      'tests/test_a.py::test_two FAILED                                         [100%]',
      '=========== 1 failed, 1 passed, 1 xpassed, 2 warnings in 0.12s ===========',
    ].join('\n');
    expect(parseCheckOutput('pytest', verbose, 1)).toMatchObject({
      counts: { passed: 2, failed: 1, warnings: 2 },
      failing: ['tests/test_a.py::test_two'],
    });
    const empty = '============================ no tests ran in 0.01s =============================';
    expect(parseCheckOutput('pytest', empty, 5)).toMatchObject({ recognized: true, counts: { passed: 0 } });
  });

  it('does not recognize a run killed before its summary', () => {
    const output = 'tests/test_pass.py ..\ntests/test_slow.py ';
    expect(parseCheckOutput('pytest', output, null).recognized).toBe(false);
  });
});
