import { zeroCounts } from './output-text.js';
import type { CheckCounts } from './types.js';

/* What node:test's spec and TAP reporters share: the same summary counters, the same way of
   reporting a test file that crashed before its tests ran. */

/** node:test names a crashed file's pseudo-test by the file's absolute path. */
export function isWholeFile(title: string, file: string): boolean {
  return (
    title.startsWith('/') && (title === file || title.endsWith(`/${file}`)) && /\.[cm]?[jt]sx?$/.test(file)
  );
}

/** Cancelled tests did not pass; crashed files are errors rather than failed tests. */
export function countsFromSummary(summary: Map<string, number>, fileErrors: number): CheckCounts {
  const failed = (summary.get('fail') ?? 0) + (summary.get('cancelled') ?? 0);
  return {
    ...zeroCounts(),
    passed: summary.get('pass') ?? 0,
    failed: Math.max(0, failed - fileErrors),
    errors: fileErrors,
    skipped: (summary.get('skipped') ?? 0) + (summary.get('todo') ?? 0),
  };
}
