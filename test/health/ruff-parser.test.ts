import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { parseFixture } from './fixtures.js';

// The ruff fixtures are hand-written from ruff's documentation (see ruff/*.cmd): no ruff binary
// could be installed here. regenerate.sh replaces them with real output where ruff exists.
describe('ruff parser (ruff check --output-format=concise)', () => {
  it('reads "All checks passed!"', () => {
    expect(parseFixture('ruff', 'ruff/pass')).toEqual({
      parser: 'ruff',
      counts: { passed: 0, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
    });
  });

  it('counts every finding as an error and names it path:line code', () => {
    const parsed = parseFixture('ruff', 'ruff/fail');
    expect(parsed.counts).toEqual({ passed: 0, failed: 0, errors: 4, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual(['app.py:1 F401', 'app.py:6 E741', 'app.py:6 F841', 'app.py:7 F541']);
  });

  it('reads syntax errors and the remaining count after --fix', () => {
    const output = [
      'app.py:3:1: SyntaxError: Expected an expression',
      'Found 3 errors (2 fixed, 1 remaining).',
    ].join('\n');
    expect(parseCheckOutput('ruff', output, 1)).toMatchObject({
      counts: { errors: 1 },
      failing: ['app.py:3 SyntaxError'],
    });
  });

  it('does not take tsc\'s or mypy\'s "Found N errors" summaries for its own', () => {
    expect(parseFixture('ruff', 'tsc/fail').recognized).toBe(false);
    expect(parseFixture('ruff', 'mypy/fail').recognized).toBe(false);
    expect(parseCheckOutput('ruff', 'Found 2 errors in 1 file (checked 3 source files)', 1).recognized).toBe(
      false,
    );
  });
});
