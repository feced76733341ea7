import type { CheckResult, Finding } from '../events/types.js';
import type { Snapshot } from '../store/health.js';

export type RegressionKind =
  | 'now-fails'
  | 'new-failure'
  | 'missing-tests'
  | 'fewer-tests'
  | 'new-finding'
  | 'more-findings'
  | 'unreadable';

export interface Regression {
  check: string;
  kind: RegressionKind;
  /** In words, for the operator and the next attempt's prompt. */
  detail: string;
}

export type ImprovementKind = 'now-passes' | 'fixed-test' | 'fixed-finding';

export interface Improvement {
  check: string;
  kind: ImprovementKind;
  detail: string;
}

export const TEST_PARSERS: ReadonlySet<string> = new Set([
  'node-test',
  'node-test-tap',
  'vitest',
  'jest',
  'pytest',
]);

const LISTED = 20;

/**
 * What the candidate ("after") made worse than the target ("before"), check
 * by check: a check that passed and now fails, a test that now fails, a test
 * that is gone (by name where both outputs list tests, else by count), a new
 * lint, type or security finding (by identity: file, rule and a fingerprint
 * of message and source line, so moved debt is not new), output no parser
 * could read. A failure both share is not a regression: it was there before.
 */
export function snapshotDelta(before: Snapshot | undefined, after: Snapshot): Regression[] {
  const regressions: Regression[] = [];
  for (const check of after.checks) {
    const previous = before?.checks.find((candidate) => candidate.name === check.name);
    regressions.push(...checkDelta(previous, check));
  }
  return regressions;
}

/** What the candidate made better: a check that passes now, fixed tests, fixed findings. */
export function snapshotImprovements(before: Snapshot | undefined, after: Snapshot): Improvement[] {
  const found: Improvement[] = [];
  for (const check of after.checks) {
    const previous = before?.checks.find((candidate) => candidate.name === check.name);
    if (!previous) continue;
    const name = check.name;
    if (!previous.passed && check.passed)
      found.push({ check: name, kind: 'now-passes', detail: `${name} passes now` });
    const parsedBefore = readable(previous);
    const parsedAfter = readable(check);
    if (!parsedBefore || !parsedAfter) continue;
    if (TEST_PARSERS.has(parsedAfter.parser)) {
      const still = new Set(parsedAfter.failing);
      const present = parsedAfter.tests ? new Set(parsedAfter.tests) : undefined;
      // node:test names a failing test with its file, a listed one without it: match the tail.
      const listed = (test: string): boolean =>
        present === undefined ||
        present.has(test) ||
        [...present].some((name) => test.endsWith(` > ${name}`));
      for (const test of parsedBefore.failing) {
        if (!still.has(test) && listed(test))
          found.push({ check: name, kind: 'fixed-test', detail: `test fixed: ${test}` });
      }
    } else if (parsedBefore.findings && parsedAfter.findings) {
      for (const finding of multisetMinus(parsedBefore.findings, parsedAfter.findings))
        found.push({
          check: name,
          kind: 'fixed-finding',
          detail: `finding fixed: ${describeFinding(finding)}`,
        });
    }
  }
  return found;
}

function readable(check: CheckResult): CheckResult['parsed'] {
  return check.parsed?.recognized && !check.unreadable ? check.parsed : undefined;
}

function checkDelta(before: CheckResult | undefined, after: CheckResult): Regression[] {
  const name = after.name;
  if (after.unreadable) {
    return [
      {
        check: name,
        kind: 'unreadable',
        detail: `${name}: ${after.note ?? 'its output could not be read by its parser'}`,
      },
    ];
  }
  if (!before) {
    return after.passed
      ? []
      : [{ check: name, kind: 'now-fails', detail: `${name} fails (no earlier result to compare)` }];
  }
  const found: Regression[] = [];
  if (before.passed && !after.passed) {
    const why = after.note ? `: ${after.note}` : '';
    found.push({
      check: name,
      kind: 'now-fails',
      detail: `${name} passed on the target and fails on the candidate${why}`,
    });
  }
  const parsedBefore = readable(before);
  const parsedAfter = readable(after);
  if (!parsedBefore || !parsedAfter) return found;
  if (TEST_PARSERS.has(parsedAfter.parser)) found.push(...testDelta(name, parsedBefore, parsedAfter));
  else found.push(...findingDelta(name, parsedBefore, parsedAfter));
  return found;
}

type Parsed = NonNullable<CheckResult['parsed']>;

function testDelta(name: string, before: Parsed, after: Parsed): Regression[] {
  const found: Regression[] = [];
  const known = new Set(before.failing);
  for (const test of after.failing) {
    if (!known.has(test)) found.push({ check: name, kind: 'new-failure', detail: `test now fails: ${test}` });
  }
  let named = false;
  if (before.tests && after.tests && before.tests.length > 0) {
    const present = new Set(after.tests);
    const missing = before.tests.filter((test) => !present.has(test));
    if (missing.length > 0) {
      named = true;
      found.push({
        check: name,
        kind: 'missing-tests',
        detail: `tests that ran on the target are gone: ${listNames(missing)}`,
      });
    }
  }
  const ranBefore = before.counts.passed + before.counts.failed;
  const ranAfter = after.counts.passed + after.counts.failed;
  if (!named && ranAfter < ranBefore) {
    found.push({
      check: name,
      kind: 'fewer-tests',
      detail: `fewer tests ran: ${ranBefore} on the target, ${ranAfter} on the candidate (tests were deleted or skipped)`,
    });
  }
  const subBefore = (before.subtests?.passed ?? 0) + (before.subtests?.failed ?? 0);
  const subAfter = (after.subtests?.passed ?? 0) + (after.subtests?.failed ?? 0);
  if (subAfter < subBefore) {
    found.push({
      check: name,
      kind: 'fewer-tests',
      detail: `fewer subtests ran: ${subBefore} on the target, ${subAfter} on the candidate`,
    });
  }
  if (
    (after.subtests?.failed ?? 0) > (before.subtests?.failed ?? 0) &&
    !found.some((r) => r.kind === 'new-failure')
  ) {
    found.push({
      check: name,
      kind: 'new-failure',
      detail: `more subtests fail: ${before.subtests?.failed ?? 0} on the target, ${after.subtests?.failed ?? 0} on the candidate`,
    });
  }
  return found;
}

function findingDelta(name: string, before: Parsed, after: Parsed): Regression[] {
  if (before.findings && after.findings) {
    const added = multisetMinus(after.findings, before.findings);
    return added.map((finding) => ({
      check: name,
      kind: 'new-finding' as const,
      detail: `new finding: ${describeFinding(finding)}`,
    }));
  }
  // Snapshots without findings (an earlier version's): by name, then by count.
  const known = new Set(before.failing);
  const found: Regression[] = after.failing
    .filter((item) => !known.has(item))
    .map((item) => ({ check: name, kind: 'new-finding' as const, detail: `new finding: ${item}` }));
  const issuesBefore = before.counts.errors + before.counts.warnings;
  const issuesAfter = after.counts.errors + after.counts.warnings;
  if (found.length === 0 && issuesAfter > issuesBefore) {
    found.push({
      check: name,
      kind: 'more-findings',
      detail: `more findings: ${issuesBefore} before, ${issuesAfter} after`,
    });
  }
  return found;
}

/** A finding's identity: where it is moves with the code, what it is does not. */
export function findingKey(finding: Finding): string {
  return `${finding.file}\0${finding.rule}\0${finding.fingerprint ?? finding.message}`;
}

export function describeFinding(finding: Finding): string {
  return `${finding.file}:${finding.line} ${finding.rule}${finding.message ? ` ${finding.message}` : ''}`;
}

/** The findings of `a` left after taking away one match in `b` for each (duplicates count). */
function multisetMinus(a: readonly Finding[], b: readonly Finding[]): Finding[] {
  const counts = new Map<string, number>();
  for (const finding of b) counts.set(findingKey(finding), (counts.get(findingKey(finding)) ?? 0) + 1);
  const left: Finding[] = [];
  for (const finding of a) {
    const key = findingKey(finding);
    const count = counts.get(key) ?? 0;
    if (count > 0) counts.set(key, count - 1);
    else left.push(finding);
  }
  return left;
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, LISTED).join(', ');
  return names.length > LISTED ? `${shown} … and ${names.length - LISTED} more` : shown;
}
