import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { loadFixture, parseFixture } from './fixtures.js';

const FAILING = ['src/broken.js:2 parsing-error', 'src/cart.js:4 no-unused-vars', 'src/cart.js:6 eqeqeq'];

describe('eslint stylish parser (real eslint 10 output)', () => {
  it('reads the silence of a passing run as a pass', () => {
    expect(parseFixture('eslint', 'eslint/stylish-pass')).toEqual({
      parser: 'eslint',
      counts: { passed: 0, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
      findings: [],
    });
  });

  it('counts from the summary and names errors (not warnings) path:line rule', () => {
    const parsed = parseFixture('eslint', 'eslint/stylish-fail');
    expect(parsed.counts).toEqual({ passed: 0, failed: 0, errors: 3, warnings: 2, skipped: 0 });
    expect(parsed.failing).toEqual(FAILING);
  });

  it('gives every finding, warnings included, with the message as stylish prints it', () => {
    expect(parseFixture('eslint', 'eslint/stylish-fail').findings).toEqual([
      {
        file: 'src/broken.js',
        line: 2,
        rule: 'parsing-error',
        message: 'Parsing error: Unexpected token ;',
        severity: 'error',
      },
      {
        file: 'src/cart.js',
        line: 4,
        rule: 'no-unused-vars',
        message: "'unused' is assigned a value but never used",
        severity: 'error',
      },
      {
        file: 'src/cart.js',
        line: 5,
        rule: 'prefer-const',
        message: "'discount' is never reassigned. Use 'const' instead",
        severity: 'warning',
      },
      {
        file: 'src/cart.js',
        line: 6,
        rule: 'eqeqeq',
        message: "Expected '===' and instead saw '=='",
        severity: 'error',
      },
      {
        file: 'src/cart.js',
        line: 6,
        rule: 'no-console',
        message: 'Unexpected console statement',
        severity: 'warning',
      },
    ]);
  });

  it('keeps the absolute paths eslint prints when the check folder is not given', () => {
    const { output, exitCode } = loadFixture('eslint/stylish-fail');
    expect(parseCheckOutput('eslint', output, exitCode).failing).toContain(
      '/tmp/gaffer-health-fixtures/eslint/src/cart.js:6 eqeqeq',
    );
  });

  it('reads scoped rule ids', () => {
    const output = [
      '/repo/src/a.ts',
      '  3:10  error  Unexpected any. Specify a different type  @typescript-eslint/no-explicit-any',
      '',
      '✖ 1 problem (1 error, 0 warnings)',
    ].join('\n');
    expect(parseCheckOutput('eslint', output, 1, { cwd: '/repo' }).failing).toEqual([
      'src/a.ts:3 @typescript-eslint/no-explicit-any',
    ]);
  });

  it('does not recognize an eslint crash, which has no summary', () => {
    const output = 'Oops! Something went wrong! :(\n\nESLint: 10.15.0\n\nError: boom';
    expect(parseCheckOutput('eslint', output, 2).recognized).toBe(false);
  });
});
