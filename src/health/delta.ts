import type { CheckResult } from '../events/types.js';
import type { Snapshot } from '../store/health.js';

export type RegressionKind = 'now-fails' | 'new-failure' | 'new-finding' | 'fewer-tests' | 'more-findings';

export interface Regression {
  check: string;
  kind: RegressionKind;
  /** In words, for the operator and the next attempt's prompt. */
  detail: string;
}

const TEST_PARSERS = new Set(['node-test', 'node-test-tap', 'vitest', 'jest', 'pytest']);

/**
 * What the candidate ("after") made worse than the target ("before"), check
 * by check: a check that passed and now fails, a test that now fails, a new
 * lint, type or security finding, fewer tests run (deleted or skipped). A
 * failure both share is not a regression: it was there before.
 */
export function snapshotDelta(before: Snapshot | undefined, after: Snapshot): Regression[] {
  const regressions: Regression[] = [];
  for (const check of after.checks) {
    const previous = before?.checks.find((candidate) => candidate.name === check.name);
    regressions.push(...checkDelta(previous, check));
  }
  return regressions;
}

function checkDelta(before: CheckResult | undefined, after: CheckResult): Regression[] {
  const name = after.name;
  if (!before) {
    return after.passed
      ? []
      : [{ check: name, kind: 'now-fails', detail: `${name} fails (no earlier result to compare)` }];
  }
  const found: Regression[] = [];
  if (before.passed && !after.passed) {
    found.push({
      check: name,
      kind: 'now-fails',
      detail: `${name} passed on the target and fails on the candidate`,
    });
  }
  const parsedBefore = before.parsed?.recognized ? before.parsed : undefined;
  const parsedAfter = after.parsed?.recognized ? after.parsed : undefined;
  if (!parsedBefore || !parsedAfter) return found;
  const known = new Set(parsedBefore.failing);
  const isTests = TEST_PARSERS.has(parsedAfter.parser);
  for (const item of parsedAfter.failing) {
    if (known.has(item)) continue;
    found.push(
      isTests
        ? { check: name, kind: 'new-failure', detail: `test now fails: ${item}` }
        : { check: name, kind: 'new-finding', detail: `new finding: ${item}` },
    );
  }
  if (isTests) {
    const ranBefore = parsedBefore.counts.passed + parsedBefore.counts.failed;
    const ranAfter = parsedAfter.counts.passed + parsedAfter.counts.failed;
    if (ranAfter < ranBefore) {
      found.push({
        check: name,
        kind: 'fewer-tests',
        detail: `fewer tests run: ${ranBefore} before, ${ranAfter} after (deleted or skipped tests)`,
      });
    }
  } else {
    const issuesBefore = parsedBefore.counts.errors + parsedBefore.counts.warnings;
    const issuesAfter = parsedAfter.counts.errors + parsedAfter.counts.warnings;
    const named = found.some((regression) => regression.kind === 'new-finding');
    if (!named && issuesAfter > issuesBefore) {
      found.push({
        check: name,
        kind: 'more-findings',
        detail: `more findings: ${issuesBefore} before, ${issuesAfter} after`,
      });
    }
  }
  return found;
}
