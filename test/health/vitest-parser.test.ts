import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { loadFixture, parseFixture } from './fixtures.js';

const FAILING = [
  'fail.test.js > cart > applies discount',
  'fail.test.js > cart > shipping > is free over 50',
  'fail.test.js > parses dates',
];

describe('vitest parser (real vitest run --reporter=default output)', () => {
  it('reads a passing run', () => {
    expect(parseFixture('vitest', 'vitest/pass')).toEqual({
      parser: 'vitest',
      counts: { passed: 3, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
    });
  });

  it('names each failing test from its FAIL heading, and lists none: only failing files show tests', () => {
    expect(parseFixture('vitest', 'vitest/fail')).toEqual({
      parser: 'vitest',
      counts: { passed: 5, failed: 3, errors: 0, warnings: 0, skipped: 0 },
      failing: FAILING,
      recognized: true,
    });
  });

  it('counts skipped and todo tests as skipped', () => {
    expect(parseFixture('vitest', 'vitest/skip')).toEqual({
      parser: 'vitest',
      counts: { passed: 1, failed: 0, errors: 0, warnings: 0, skipped: 3 },
      failing: [],
      recognized: true,
    });
  });

  it('counts a test file that failed to load as an error named by the file', () => {
    expect(parseFixture('vitest', 'vitest/load-error')).toEqual({
      parser: 'vitest',
      counts: { passed: 3, failed: 0, errors: 1, warnings: 0, skipped: 0 },
      failing: ['load-error.test.js'],
      recognized: true,
    });
  });

  it('reads output with colour forced on, where the one failing file shows its tests without suites', () => {
    expect(parseFixture('vitest', 'vitest/fail-color')).toEqual({
      parser: 'vitest',
      counts: { passed: 2, failed: 3, errors: 0, warnings: 0, skipped: 0 },
      failing: FAILING,
      recognized: true,
    });
  });

  it('counts unhandled errors, which fail the run without failing a test', () => {
    const output = [
      ' Test Files  1 passed (1)',
      '      Tests  3 passed (3)',
      '     Errors  2 errors',
      '   Start at  10:00:00',
    ].join('\n');
    expect(parseCheckOutput('vitest', output, 1).counts).toMatchObject({ passed: 3, errors: 2 });
  });

  it('does not recognize a run killed before its summary', () => {
    const { output } = loadFixture('vitest/fail');
    const cut = output.slice(0, output.indexOf(' Test Files'));
    expect(parseCheckOutput('vitest', cut, null)).toMatchObject({ recognized: false, failing: [] });
  });

  it("does not take jest's coloured FAIL lines for its own", () => {
    expect(parseFixture('vitest', 'jest/fail-color')).toMatchObject({ recognized: false, failing: [] });
  });
});
