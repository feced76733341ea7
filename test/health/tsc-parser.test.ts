import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { parseFixture } from './fixtures.js';

const FAILING = [
  'src/cart.ts:4 TS2322',
  'src/cart.ts:5 TS18048',
  'src/cart.ts:8 TS2322',
  'src/orders.ts:3 TS2345',
];

describe('tsc parser (real tsc 6 output)', () => {
  it('reads the silence of a passing run as a pass', () => {
    expect(parseFixture('tsc', 'tsc/pass')).toEqual({
      parser: 'tsc',
      counts: { passed: 0, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
    });
  });

  it('counts every "error TSxxxx" and names it path:line code', () => {
    const parsed = parseFixture('tsc', 'tsc/fail');
    expect(parsed.counts).toEqual({ passed: 0, failed: 0, errors: 4, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual(FAILING);
  });

  it('reads --pretty output, colour codes and all, to the same result', () => {
    const parsed = parseFixture('tsc', 'tsc/fail-pretty');
    expect(parsed.counts.errors).toBe(4);
    expect(parsed.failing).toEqual(FAILING);
  });

  it('counts an error with no file, like a missing tsconfig', () => {
    const output = "error TS5058: The specified path does not exist: 'tsconfig.json'.";
    expect(parseCheckOutput('tsc', output, 1)).toMatchObject({
      recognized: true,
      counts: { errors: 1 },
      failing: ['TS5058'],
    });
  });

  it('does not recognize silence from a run that failed', () => {
    expect(parseCheckOutput('tsc', '', 2).recognized).toBe(false);
    expect(parseCheckOutput('tsc', '', null).recognized).toBe(false);
  });

  it('does not take mypy or ruff "Found N errors" summaries for its own', () => {
    expect(parseFixture('tsc', 'mypy/fail').recognized).toBe(false);
    expect(parseFixture('tsc', 'ruff/fail').recognized).toBe(false);
  });
});
