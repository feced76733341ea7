import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { parseFixture } from './fixtures.js';

describe('bandit parser (real bandit 1.6 output)', () => {
  it('reads "No issues identified."', () => {
    expect(parseFixture('bandit', 'bandit/pass')).toEqual({
      parser: 'bandit',
      counts: { passed: 0, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
      findings: [],
    });
  });

  it('counts high and medium severity as errors, low as warnings, and names the errors', () => {
    const parsed = parseFixture('bandit', 'bandit/fail');
    expect(parsed.counts).toEqual({ passed: 0, failed: 0, errors: 3, warnings: 4, skipped: 0 });
    expect(parsed.failing).toEqual(['src/tasks.py:11 B303', 'src/tasks.py:15 B301', 'src/tasks.py:7 B602']);
  });

  it('gives every issue as a finding, low severity as a warning', () => {
    const findings = parseFixture('bandit', 'bandit/fail').findings ?? [];
    expect(findings.map(({ line, rule, severity }) => `${line} ${rule} ${severity}`)).toEqual([
      '2 B403 warning',
      '3 B404 warning',
      '7 B602 error',
      '11 B303 error',
      '15 B301 error',
      '21 B110 warning',
      '26 B101 warning',
    ]);
    expect(findings[2]).toEqual({
      file: 'src/tasks.py',
      line: 7,
      rule: 'B602',
      message: 'subprocess call with shell=True identified, security issue.',
      severity: 'error',
    });
  });

  it('reads the bandit 1.7 block, with a CWE line and a column in the location', () => {
    const output = [
      'Test results:',
      '>> Issue: [B602:subprocess_popen_with_shell_equals_true] subprocess call with shell=True identified.',
      '   Severity: High   Confidence: High',
      '   CWE: CWE-78 (https://cwe.mitre.org/data/definitions/78.html)',
      '   More Info: https://bandit.readthedocs.io/en/1.7.9/plugins/b602.html',
      '   Location: ./src/tasks.py:7:11',
      '--------------------------------------------------',
      'Run metrics:',
    ].join('\n');
    expect(parseCheckOutput('bandit', output, 1)).toMatchObject({
      counts: { errors: 1, warnings: 0 },
      failing: ['src/tasks.py:7 B602'],
    });
  });

  it('falls back to the severity totals when no issue block is shown', () => {
    const output = [
      'Run metrics:',
      '\tTotal issues (by severity):',
      '\t\tUndefined: 0.0',
      '\t\tLow: 2.0',
      '\t\tMedium: 1.0',
      '\t\tHigh: 1.0',
      '\tTotal issues (by confidence):',
      '\t\tHigh: 4.0',
    ].join('\n');
    const parsed = parseCheckOutput('bandit', output, 1);
    expect(parsed.counts).toMatchObject({ errors: 2, warnings: 2 });
    // The totals say there are findings but not which: none are given rather than "none".
    expect(parsed.findings).toBeUndefined();
  });
});
