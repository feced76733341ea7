import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { loadFixture, parseFixture } from './fixtures.js';

describe('mypy parser (real mypy 1.0 output)', () => {
  it('reads "Success: no issues found"', () => {
    expect(parseFixture('mypy', 'mypy/pass')).toEqual({
      parser: 'mypy',
      counts: { passed: 0, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
      findings: [],
    });
  });

  it('counts "error:" lines, not "note:" lines, and names errors path:line code', () => {
    const parsed = parseFixture('mypy', 'mypy/fail');
    expect(parsed.counts).toEqual({ passed: 0, failed: 0, errors: 5, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual([
      'shop/cart.py:10 return-value',
      'shop/cart.py:5 assignment',
      'shop/cart.py:6 arg-type',
      'shop/cart.py:6 operator',
      'shop/orders.py:5 call-arg',
    ]);
    expect(parsed.findings).toEqual([
      {
        file: 'shop/cart.py',
        line: 5,
        rule: 'assignment',
        message: 'Incompatible types in assignment (expression has type "str", variable has type "int")',
        severity: 'error',
      },
      {
        file: 'shop/cart.py',
        line: 6,
        rule: 'operator',
        message: 'Unsupported operand types for - ("float" and "int")',
        severity: 'error',
      },
      {
        file: 'shop/cart.py',
        line: 6,
        rule: 'arg-type',
        message: 'Argument 1 to "len" has incompatible type "Optional[str]"; expected "Sized"',
        severity: 'error',
      },
      {
        file: 'shop/cart.py',
        line: 10,
        rule: 'return-value',
        message: 'Incompatible return value type (got "int", expected "str")',
        severity: 'error',
      },
      {
        file: 'shop/orders.py',
        line: 5,
        rule: 'call-arg',
        message: 'Missing positional argument "coupon" in call to "discount"',
        severity: 'error',
      },
    ]);
  });

  it('reads a syntax error that stopped the check', () => {
    const parsed = parseFixture('mypy', 'mypy/syntax-error');
    expect(parsed.counts.errors).toBe(1);
    expect(parsed.failing).toEqual(['syntax/broken.py:2 syntax']);
    expect(parsed.findings).toEqual([
      {
        file: 'syntax/broken.py',
        line: 2,
        rule: 'syntax',
        message: "'(' was never closed",
        severity: 'error',
      },
    ]);
  });

  it('reads column numbers and a missing error code', () => {
    const output = [
      'app.py:3:5: error: Name "x" is not defined',
      'app.py:3:5: note: See https://mypy.rtfd.io',
      'Found 1 error in 1 file (checked 1 source file)',
    ].join('\n');
    expect(parseCheckOutput('mypy', output, 1)).toMatchObject({
      counts: { errors: 1, warnings: 0 },
      failing: ['app.py:3 error'],
      // The column is left out of the message like the line; the note is no finding.
      findings: [{ file: 'app.py', line: 3, rule: 'error', message: 'Name "x" is not defined' }],
    });
  });

  it('does not recognize notes without an error or a summary', () => {
    const { output } = loadFixture('mypy/fail');
    const notes = output.split('\n').filter((line) => line.includes(': note: '));
    expect(notes).toHaveLength(1);
    expect(parseCheckOutput('mypy', notes.join('\n'), 2).recognized).toBe(false);
  });

  it("does not take pytest's traceback lines for diagnostics", () => {
    expect(parseFixture('mypy', 'pytest/fail').recognized).toBe(false);
  });
});
