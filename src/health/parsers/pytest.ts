import { notRecognized, tallyOf, zeroCounts } from './output-text.js';
import { scanPytest, type PytestScan } from './pytest-scan.js';
import { everyTest } from './test-names.js';
import type { CheckCounts, ParserInput, ParserResult, SubtestCounts } from './types.js';

/**
 * pytest's terminal report (see pytest-scan.ts for the lines read). Counts come from the summary,
 * the last line, framed with "=" by default and bare with -q:
 *
 *   ===== 3 failed, 8 passed, 1 skipped, 1 xfailed, 1 error in 1.03s =====
 *   4 failed, 1 passed, 6 subtests passed in 1.66s
 *
 * -qq prints no summary at all: there the progress letters are counted, and only once they reach
 * 100% (a run cut short is not read). A -qq run that collected nothing prints nothing, which is
 * not recognized. Failing items are named by node id; a failing subtest by its test's node id and
 * pytest's description of it, "tests/x.py::test_codes [code] (code='us')", as pytest heads its
 * failure. Tests are listed when the output names every one (-v; -rA unless a test was skipped).
 */

interface Outcome {
  counts: CheckCounts;
  subtests?: SubtestCounts;
}

export function parsePytest(input: ParserInput): ParserResult {
  const scan = scanPytest(input.lines);
  const outcome = fromSummary(scan) ?? fromProgress(scan) ?? fromCollectionErrors(scan);
  if (outcome === undefined) return notRecognized();
  const { counts, subtests } = outcome;
  const result: ParserResult = { counts, failing: scan.failing, recognized: true };
  // Every test run is named somewhere in -v output; teardown errors add to `errors` without a test.
  const fewest = counts.passed + counts.failed + counts.skipped;
  const tests = scan.skippedByLocation ? undefined : everyTest(scan.named, fewest, fewest + counts.errors);
  if (tests !== undefined) result.tests = tests;
  if (subtests !== undefined) result.subtests = subtests;
  return result;
}

function fromSummary(scan: PytestScan): Outcome | undefined {
  const summary = scan.summary;
  if (summary === undefined) return undefined;
  const subtestsFailedLines = Math.max(scan.subtestsFailedShort, scan.subtestsFailedVerbose);
  const pluginFailed = summary.get('subtests failed');
  // pytest 9 counts a failing subtest under "failed", besides the test that holds it, which fails
  // too ("contains 1 failed subtest"); `failed` counts tests, so that a fixed subtest is not read
  // as a test that stopped running. A summary with a "subtests failed" count kept them apart.
  const failed = tallyOf(summary, 'failed') - (pluginFailed === undefined ? subtestsFailedLines : 0);
  const counts: CheckCounts = {
    ...zeroCounts(),
    // An xpass is a test marked as expected to fail that passed: it ran and did not fail.
    passed: tallyOf(summary, 'passed', 'xpassed'),
    failed: Math.max(0, failed),
    errors: tallyOf(summary, 'error', 'errors'),
    warnings: tallyOf(summary, 'warning', 'warnings'),
    skipped: tallyOf(summary, 'skipped', 'xfailed'),
  };
  const passedSubtests = summary.get('subtests passed');
  const subtests = { passed: passedSubtests ?? 0, failed: pluginFailed ?? subtestsFailedLines };
  const anySubtests = subtests.failed > 0 || subtests.passed > 0 || scan.subtestsPassedVerbose > 0;
  // At default verbosity pytest 9 leaves passing subtests out of the summary: a 0 there is unknown.
  const passingShown = passedSubtests !== undefined || scan.subtestsPassedVerbose > 0 || !scan.framed;
  return anySubtests && passingShown ? { counts, subtests } : { counts };
}

/** -qq: one letter per report, "u" for each subtest, passing or failing. */
function fromProgress(scan: PytestScan): Outcome | undefined {
  if (!scan.progressDone) return undefined;
  const letters = (set: string): number => [...scan.progress].filter((letter) => set.includes(letter)).length;
  const counts: CheckCounts = {
    ...zeroCounts(),
    passed: letters('.X'),
    failed: letters('F'),
    errors: letters('E'),
    skipped: letters('sx'),
  };
  const subtests = letters('u');
  if (subtests === 0) return { counts };
  const failed = Math.min(subtests, scan.subtestsFailedShort);
  return { counts, subtests: { passed: subtests - failed, failed } };
}

/** -qq stops at a collection error with only its "Interrupted" banner. */
function fromCollectionErrors(scan: PytestScan): Outcome | undefined {
  if (scan.collectionErrors === undefined) return undefined;
  return { counts: { ...zeroCounts(), errors: scan.collectionErrors } };
}
