import { listJestTests } from './jest-listing.js';
import { findJsonReport, readJsonReport } from './json-report.js';
import { displayPath, notRecognized, readTally, tallyOf, zeroCounts } from './output-text.js';
import { everyTest } from './test-names.js';
import type { ParserInput, ParserResult } from './types.js';

/**
 * jest's default reporter. Each test file gets a "PASS ./file" or "FAIL ./file" line (" FAIL  ./file"
 * once colour codes are stripped), each failure below it a "  ● suite › test" heading, and a file
 * that could not run a "  ● Test suite failed to run" heading. The summary is
 *
 *   Test Suites: 1 failed, 1 passed, 2 total
 *   Tests:       3 failed, 1 skipped, 1 todo, 5 passed, 10 total
 *
 * Tests are listed from the verbose listing (jest-listing.ts) when it names as many as "Tests"
 * counts. With --json the report (json-report.ts) is read instead; stderr still carries the text.
 */

const SUITES_LINE = /^Test Suites: (?:.+, )?\d+ total$/;
const TESTS_LINE = /^Tests: +(?:(.+), )?(\d+) total$/;
const FILE_LINE = /^ ?(PASS|FAIL) {1,2}(\S.*?)(?: \(\d+(?:\.\d+)? m?s(?:, \d+ MB heap size)?\))?$/;
const FAILURE_HEADING = /^ {2}● (\S.*)$/;
const SUITE_FAILED = 'Test suite failed to run';

export function parseJest(input: ParserInput): ParserResult {
  const report = findJsonReport(input.lines, 'jest');
  if (report !== undefined) return readJsonReport(report, input);
  let sawSuites = false;
  let tests: Map<string, number> | undefined;
  let total = 0;
  let currentFile: string | undefined;
  const failing: string[] = [];
  const listed: string[] = [];
  // The "Summary of all failing tests" section repeats failures; a set counts each file once.
  const filesThatFailedToRun = new Set<string>();

  for (const [index, line] of input.lines.entries()) {
    if (SUITES_LINE.test(line)) {
      sawSuites = true;
      continue;
    }
    const testsLine = TESTS_LINE.exec(line);
    if (testsLine) {
      tests = readTally(testsLine[1] ?? '');
      total = Number(testsLine[2]);
      continue;
    }
    const file = FILE_LINE.exec(line);
    if (file?.[2]) {
      currentFile = displayPath(file[2], input.cwd);
      listed.push(...listJestTests(currentFile, input.lines, index + 1));
      continue;
    }
    const heading = FAILURE_HEADING.exec(line);
    if (!heading?.[1] || currentFile === undefined) continue;
    if (heading[1] === SUITE_FAILED) {
      filesThatFailedToRun.add(currentFile);
      failing.push(currentFile);
      continue;
    }
    failing.push([currentFile, ...heading[1].split(' › ')].join(' > '));
  }

  if (!sawSuites) return notRecognized();
  const counts = { ...zeroCounts(), errors: filesThatFailedToRun.size };
  if (tests !== undefined) {
    counts.passed = tallyOf(tests, 'passed');
    counts.failed = tallyOf(tests, 'failed');
    counts.skipped = tallyOf(tests, 'skipped', 'todo');
  }
  const result: ParserResult = { counts, failing, recognized: true };
  const names = everyTest(listed, total);
  if (names !== undefined) result.tests = names;
  return result;
}
