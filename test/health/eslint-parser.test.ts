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
    });
  });

  it('counts from the summary and names errors (not warnings) path:line rule', () => {
    const parsed = parseFixture('eslint', 'eslint/stylish-fail');
    expect(parsed.counts).toEqual({ passed: 0, failed: 0, errors: 3, warnings: 2, skipped: 0 });
    expect(parsed.failing).toEqual(FAILING);
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
