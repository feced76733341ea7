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
      findings: [],
    });
  });

  it('counts every finding as an error and names it path:line code', () => {
    const parsed = parseFixture('ruff', 'ruff/fail');
    expect(parsed.counts).toEqual({ passed: 0, failed: 0, errors: 4, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual(['app.py:1 F401', 'app.py:6 E741', 'app.py:6 F841', 'app.py:7 F541']);
    // "[*]" marks a fix ruff can make: not part of the message.
    expect(parsed.findings).toEqual([
      { file: 'app.py', line: 1, rule: 'F401', message: '`os` imported but unused', severity: 'error' },
      { file: 'app.py', line: 6, rule: 'E741', message: 'Ambiguous variable name: `l`', severity: 'error' },
      {
        file: 'app.py',
        line: 6,
        rule: 'F841',
        message: 'Local variable `l` is assigned to but never used',
        severity: 'error',
      },
      {
        file: 'app.py',
        line: 7,
        rule: 'F541',
        message: 'f-string without any placeholders',
        severity: 'error',
      },
    ]);
  });

  it('reads syntax errors and the remaining count after --fix', () => {
    const output = [
      'app.py:3:1: SyntaxError: Expected an expression',
      'Found 3 errors (2 fixed, 1 remaining).',
    ].join('\n');
    expect(parseCheckOutput('ruff', output, 1)).toMatchObject({
      counts: { errors: 1 },
      failing: ['app.py:3 SyntaxError'],
      findings: [{ file: 'app.py', line: 3, rule: 'SyntaxError', message: 'Expected an expression' }],
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
