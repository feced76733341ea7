import { notRecognized, readTally, tallyOf, zeroCounts } from './output-text.js';
import type { ParserInput, ParserResult } from './types.js';

/**
 * pytest's terminal report. The last line is the summary, framed with "=" normally and bare with
 * -q:
 *
 *   ===== 3 failed, 8 passed, 1 skipped, 1 xfailed, 1 error in 1.03s =====
 *   3 failed, 9 passed, 2 skipped, 1 xfailed, 1 error in 0.86s
 *
 * Failing node ids come from the "short test summary info" lines ("FAILED tests/x.py::test_a -
 * reason", "ERROR tests/x.py" for a module that failed to collect), shown by default, and from -v
 * progress lines ("tests/x.py::test_a FAILED   [ 50%]").
 */

const DURATION = String.raw`in \d+(?:\.\d+)?s(?: \([\d:.]+\))?`;
const FRAMED_SUMMARY = new RegExp(String.raw`^=+ (.+?) ${DURATION} =+$`);
const BARE_SUMMARY = new RegExp(String.raw`^((?:\d+ [a-z]+(?:, )?)+|no tests ran) ${DURATION}$`);
// A node id is a path, "::" parts and an optional parametrize id in brackets (which may hold spaces).
const NODE_ID = String.raw`[^\s\[]+(?:\[.*?\])?`;
const SHORT_SUMMARY_LINE = new RegExp(String.raw`^(?:FAILED|ERROR) (${NODE_ID})(?: - .*)?$`);
const VERBOSE_LINE = new RegExp(String.raw`^([^\s\[]+::${NODE_ID}) (?:FAILED|ERROR)(?: +\[ *\d+%\])?$`);

export function parsePytest(input: ParserInput): ParserResult {
  let summary: Map<string, number> | undefined;
  const failing: string[] = [];

  for (const line of input.lines) {
    const framed = FRAMED_SUMMARY.exec(line) ?? BARE_SUMMARY.exec(line);
    // Other "=== ... ===" banners ("FAILURES", "short test summary info") carry no duration.
    if (framed?.[1]) summary = readTally(framed[1]);
    const failure = SHORT_SUMMARY_LINE.exec(line) ?? VERBOSE_LINE.exec(line);
    if (failure?.[1]) failing.push(failure[1]);
  }

  if (summary === undefined) return notRecognized();
  const counts = {
    ...zeroCounts(),
    // An xpass is a test marked as expected to fail that passed: it ran and did not fail.
    passed: tallyOf(summary, 'passed', 'xpassed'),
    failed: tallyOf(summary, 'failed'),
    errors: tallyOf(summary, 'error', 'errors'),
    warnings: tallyOf(summary, 'warning', 'warnings'),
    skipped: tallyOf(summary, 'skipped', 'xfailed'),
  };
  return { counts, failing, recognized: true };
}
