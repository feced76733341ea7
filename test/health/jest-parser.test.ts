import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { parseFixture } from './fixtures.js';

const FAILING = [
  'fail.test.js > cart > applies discount',
  'fail.test.js > cart > shipping > is free over 50',
  'fail.test.js > parses dates',
];

describe('jest parser (real jest 30 output)', () => {
  it('reads a passing run', () => {
    expect(parseFixture('jest', 'jest/pass')).toEqual({
      parser: 'jest',
      counts: { passed: 3, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
    });
  });

  it('names each failing test by its file and "●" heading', () => {
    const parsed = parseFixture('jest', 'jest/fail');
    expect(parsed.counts).toEqual({ passed: 5, failed: 3, errors: 0, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual(FAILING);
  });

  it('counts skipped and todo tests as skipped', () => {
    const parsed = parseFixture('jest', 'jest/skip');
    expect(parsed.counts).toEqual({ passed: 1, failed: 0, errors: 0, warnings: 0, skipped: 3 });
  });

  it('counts a suite that failed to run as an error named by the file', () => {
    const parsed = parseFixture('jest', 'jest/load-error');
    expect(parsed.counts).toEqual({ passed: 3, failed: 0, errors: 1, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual(['load-error.test.js']);
  });

  it('reads output with colour forced on', () => {
    const parsed = parseFixture('jest', 'jest/fail-color');
    expect(parsed.counts).toEqual({ passed: 2, failed: 3, errors: 0, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual(FAILING);
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
