import { readTally } from './output-text.js';

/**
 * One pass over pytest's terminal report, collecting what each verbosity prints:
 *
 *   ===== 1 failed, 8 passed, 1 error in 0.75s =====          summary, default and -v
 *   4 failed, 1 passed, 6 subtests passed in 1.66s            summary, -q (no frame)
 *   .xXF.ssx                                  [100%]          progress, -q and -qq (which has no summary)
 *   tests/x.py::test_a PASSED                 [ 50%]          -v
 *   tests/x.py::test_b SUBFAILED[code] (code='us') [ 66%]     -v, pytest 9 subtests
 *   FAILED tests/x.py::test_b - AssertionError                short summary (-rA adds PASSED, XFAIL...)
 *   SUBFAILED[code] (code='us') tests/x.py::test_b - As...    short summary, a failing subtest
 *   !!!!! Interrupted: 1 error during collection !!!!!       a collection error, -qq included
 */

const DURATION = String.raw`in \d+(?:\.\d+)?s(?: \([\d:.]+\))?`;
// Labels may be two words: "744 subtests passed".
const TALLY = String.raw`(?:\d+ [a-z]+(?: [a-z]+)*(?:, )?)+`;
const FRAMED_SUMMARY = new RegExp(String.raw`^=+ (${TALLY}|no tests ran) ${DURATION} =+$`);
const BARE_SUMMARY = new RegExp(String.raw`^(${TALLY}|no tests ran) ${DURATION}$`);
// A node id is a path, "::" parts and an optional parametrize id in brackets (which may hold spaces).
const NODE_ID = String.raw`[^\s\[]+(?:\[.*?\])?`;
const TEST_ID = String.raw`[^\s\[]*::[^\s\[]*(?:\[.*?\])?`;
const PERCENT = String.raw`(?: +\[ *\d+%\])?`;
const SHORT_LINE = new RegExp(String.raw`^(FAILED|ERROR|PASSED|XFAIL|XPASS) (${NODE_ID})(?: - .*)?$`);
const VERBOSE_LINE = new RegExp(
  String.raw`^(${TEST_ID}) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)(?: \(.*\))?${PERCENT}$`,
);
const VERBOSE_SUBTEST = new RegExp(String.raw`^(${TEST_ID}) (SUBPASSED|SUBFAILED)(.*?)${PERCENT}$`);
// pytest 9 says SUBFAILED; the pytest-subtests plugin it grew from said SUBFAIL.
const SHORT_SUBTEST = new RegExp(String.raw`^SUBFAIL(?:ED)?(.*?) (${TEST_ID})(?: - .*)?$`);
// -rA and -rs report skipped tests by location, "[2]" of them at a time, never by node id.
const SKIPPED_BY_LOCATION = /^SKIPPED \[\d+\] \S+:\d+: /;
const PROGRESS = /^([.FEsxXu]+) *\[ *(\d+)%\]$/;
const INTERRUPTED = /^!+ Interrupted: (\d+) errors? during collection !+$/;

export interface PytestScan {
  summary?: Map<string, number>;
  /** The summary had the "=" frame: default verbosity or -v, not -q. */
  framed: boolean;
  /** Node ids, subtests' included ("path::test [msg] (k=v)"), as `failing` names them. */
  failing: string[];
  /** Node ids of tests the output names with their result (-v, -rA, the short summary). */
  named: string[];
  /** Some skipped tests are named only by location (-rA, -rs): the named tests are not all of them. */
  skippedByLocation: boolean;
  /** SUBFAILED lines in the short summary, and in -v progress: each report once per section. */
  subtestsFailedShort: number;
  subtestsFailedVerbose: number;
  subtestsPassedVerbose: number;
  /** The -q/-qq progress letters, and whether the last progress line reached 100%. */
  progress: string;
  progressDone: boolean;
  collectionErrors?: number;
}

export function scanPytest(lines: readonly string[]): PytestScan {
  const scan: PytestScan = {
    framed: false,
    failing: [],
    named: [],
    skippedByLocation: false,
    subtestsFailedShort: 0,
    subtestsFailedVerbose: 0,
    subtestsPassedVerbose: 0,
    progress: '',
    progressDone: false,
  };
  for (const line of lines) {
    const framed = FRAMED_SUMMARY.exec(line);
    const summary = framed ?? BARE_SUMMARY.exec(line);
    if (summary?.[1]) {
      // "no tests ran" reads as an empty tally.
      scan.summary = readTally(summary[1]);
      scan.framed = framed !== null;
      continue;
    }
    const progress = PROGRESS.exec(line);
    if (progress?.[1] && progress[2]) {
      scan.progress += progress[1];
      scan.progressDone = progress[2] === '100';
      continue;
    }
    const interrupted = INTERRUPTED.exec(line);
    if (interrupted?.[1]) scan.collectionErrors = Number(interrupted[1]);
    if (SKIPPED_BY_LOCATION.test(line)) scan.skippedByLocation = true;
    readResultLine(line, scan);
  }
  return scan;
}

function readResultLine(line: string, scan: PytestScan): void {
  const subtest = VERBOSE_SUBTEST.exec(line);
  if (subtest?.[1] && subtest[2]) {
    scan.named.push(subtest[1]);
    if (subtest[2] === 'SUBPASSED') scan.subtestsPassedVerbose += 1;
    else {
      scan.subtestsFailedVerbose += 1;
      scan.failing.push(subtestName(subtest[1], subtest[3]));
    }
    return;
  }
  const shortSubtest = SHORT_SUBTEST.exec(line);
  if (shortSubtest?.[2]) {
    scan.subtestsFailedShort += 1;
    scan.failing.push(subtestName(shortSubtest[2], shortSubtest[1]));
    return;
  }
  const verbose = VERBOSE_LINE.exec(line);
  const short = verbose ? null : SHORT_LINE.exec(line);
  const id = verbose?.[1] ?? short?.[2];
  const outcome = verbose?.[2] ?? short?.[1];
  if (id === undefined || outcome === undefined) return;
  // A module that failed to collect ("ERROR tests/x.py") is a failing item but not a test.
  if (id.includes('::')) scan.named.push(id);
  if (outcome === 'FAILED' || outcome === 'ERROR') scan.failing.push(id);
}

/** A failing subtest: its test's node id and pytest's description, as its FAILURES heading shows it. */
function subtestName(nodeId: string, description: string | undefined): string {
  const shown = description?.trim() ?? '';
  return shown === '' ? nodeId : `${nodeId} ${shown}`;
}
