import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { parseFixture } from './fixtures.js';

const FAILING = [
  'src/cart.ts:4 TS2322',
  'src/cart.ts:5 TS18048',
  'src/cart.ts:8 TS2322',
  'src/orders.ts:3 TS2345',
];

const FINDINGS = [
  {
    file: 'src/cart.ts',
    line: 4,
    rule: 'TS2322',
    message: "Type 'string' is not assignable to type 'number'.",
  },
  { file: 'src/cart.ts', line: 5, rule: 'TS18048', message: "'coupon' is possibly 'undefined'." },
  {
    file: 'src/cart.ts',
    line: 8,
    rule: 'TS2322',
    message: "Type 'number' is not assignable to type 'string'.",
  },
  {
    file: 'src/orders.ts',
    line: 3,
    rule: 'TS2345',
    message: "Argument of type 'string' is not assignable to parameter of type 'number[]'.",
  },
].map((finding) => ({ ...finding, severity: 'error' }));

describe('tsc parser (real tsc 6 output)', () => {
  it('reads the silence of a passing run as a pass', () => {
    expect(parseFixture('tsc', 'tsc/pass')).toEqual({
      parser: 'tsc',
      counts: { passed: 0, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
      findings: [],
    });
  });

  it('counts every "error TSxxxx" and names it path:line code', () => {
    const parsed = parseFixture('tsc', 'tsc/fail');
    expect(parsed.counts).toEqual({ passed: 0, failed: 0, errors: 4, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual(FAILING);
    expect(parsed.findings).toEqual(FINDINGS);
  });

  it('reads --pretty output, colour codes and all, to the same result', () => {
    const parsed = parseFixture('tsc', 'tsc/fail-pretty');
    expect(parsed.counts.errors).toBe(4);
    expect(parsed.failing).toEqual(FAILING);
    // The message stops at its line's end: the source excerpt below it is not part of it.
    expect(parsed.findings).toEqual(FINDINGS);
  });

  it('counts an error with no file, like a missing tsconfig', () => {
    const output = "error TS5058: The specified path does not exist: 'tsconfig.json'.";
    expect(parseCheckOutput('tsc', output, 1)).toMatchObject({
      recognized: true,
      counts: { errors: 1 },
      failing: ['TS5058'],
      findings: [
        { file: '', line: 0, rule: 'TS5058', message: "The specified path does not exist: 'tsconfig.json'." },
      ],
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
