import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';

describe('exit-code parser', () => {
  it('counts a check that exited 0 as one pass, whatever it printed', () => {
    expect(parseCheckOutput('exit-code', '✖ 3 problems (3 errors, 0 warnings)', 0)).toEqual({
      parser: 'exit-code',
      counts: { passed: 1, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
    });
  });

  it('counts a non-zero exit, or a check killed without one, as one failure', () => {
    expect(parseCheckOutput('exit-code', '', 1).counts).toMatchObject({ passed: 0, failed: 1 });
    expect(parseCheckOutput('exit-code', '', null).counts).toMatchObject({ passed: 0, failed: 1 });
  });
});
