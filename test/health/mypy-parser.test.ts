import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { parseFixture } from './fixtures.js';

describe('mypy parser (real mypy 1.0 output)', () => {
  it('reads "Success: no issues found"', () => {
    expect(parseFixture('mypy', 'mypy/pass')).toEqual({
      parser: 'mypy',
      counts: { passed: 0, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
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
  });

  it('reads a syntax error that stopped the check', () => {
    const parsed = parseFixture('mypy', 'mypy/syntax-error');
    expect(parsed.counts.errors).toBe(1);
    expect(parsed.failing).toEqual(['syntax/broken.py:2 syntax']);
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
    });
  });

  it("does not take pytest's traceback lines for diagnostics", () => {
    expect(parseFixture('mypy', 'pytest/fail').recognized).toBe(false);
  });
});
