import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { loadFixture, parseFixture } from './fixtures.js';

describe('eslint JSON parser (real eslint 10 --format json output)', () => {
  it('reads a passing run', () => {
    expect(parseFixture('eslint-json', 'eslint/json-pass')).toEqual({
      parser: 'eslint-json',
      counts: { passed: 0, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
      findings: [],
    });
  });

  it('sums error and warning counts and names errors like the stylish parser does', () => {
    const parsed = parseFixture('eslint-json', 'eslint/json-fail');
    expect(parsed.counts).toEqual({ passed: 0, failed: 0, errors: 3, warnings: 2, skipped: 0 });
    expect(parsed.failing).toEqual(parseFixture('eslint', 'eslint/stylish-fail').failing);
  });

  it('gives the same findings as stylish, with the message whole (stylish drops its full stop)', () => {
    const stylish = parseFixture('eslint', 'eslint/stylish-fail').findings ?? [];
    const json = parseFixture('eslint-json', 'eslint/json-fail').findings ?? [];
    expect(json.map((finding) => ({ ...finding, message: finding.message.replace(/\.$/, '') }))).toEqual(
      stylish,
    );
    expect(json.map((finding) => finding.message)).toEqual([
      'Parsing error: Unexpected token ;',
      "'unused' is assigned a value but never used.",
      "'discount' is never reassigned. Use 'const' instead.",
      "Expected '===' and instead saw '=='.",
      'Unexpected console statement.',
    ]);
  });

  it('finds the array among stderr lines around it', () => {
    const { output, cwd } = loadFixture('eslint/json-fail');
    const noisy = `(node:123) ExperimentalWarning: something\n${output}ESLint found too many warnings (maximum: 0).\n`;
    expect(parseCheckOutput('eslint-json', noisy, 1, { cwd }).counts.errors).toBe(3);
  });

  it('takes "[]" for eslint only when it is the whole output', () => {
    expect(parseCheckOutput('eslint-json', '[]\n', 0).recognized).toBe(true);
    expect(parseCheckOutput('eslint-json', 'console.log\n    []\nTests: 1 passed', 0).recognized).toBe(false);
  });

  it('does not recognize output that is not eslint JSON', () => {
    expect(parseCheckOutput('eslint-json', '[1, 2, 3]', 0).recognized).toBe(false);
    expect(parseFixture('eslint-json', 'eslint/stylish-fail').recognized).toBe(false);
  });
});
