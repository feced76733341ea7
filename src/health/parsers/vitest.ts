import { findJsonReport, readJsonReport } from './json-report.js';
import { notRecognized, readTally, tallyOf, zeroCounts } from './output-text.js';
import { everyTest } from './test-names.js';
import type { ParserInput, ParserResult } from './types.js';
import { listVitestTests } from './vitest-listing.js';

/**
 * vitest 4's text reporters (default, verbose, tree: they share the summary and FAIL headings) and
 * its JSON reporter (json-report.ts). The summary block is
 *
 *    Test Files  1 failed | 1 passed (2)
 *         Tests  3 failed | 5 passed (8)
 *        Errors  1 error
 *
 * and every failure is headed " FAIL  file > suite > test"; a file that failed to load is
 * " FAIL  file [ file ]" under a "Failed Suites N" banner. jest prints " FAIL  ./file" too when
 * coloured, which is why nothing here counts before the vitest summary is found. Tests are listed
 * from the verbose and tree reporters (vitest-listing.ts), when they name as many as "Tests" counts.
 */

const TEST_FILES_LINE = /^ *Test Files {2}(.+?) \((\d+)\)$/;
const TESTS_LINE = /^ *Tests {2}(.+?)(?: \((\d+)\))?$/;
const ERRORS_LINE = /^ *Errors {2}(\d+) errors?\b/;
const FAIL_HEADING = /^ ?FAIL {2}(.+?)(?: \[ .+ \])?$/;
const BANNER = /^⎯+ (Failed Suites|Failed Tests|Unhandled Errors?)(?: (\d+))? ⎯+$/;

export function parseVitest(input: ParserInput): ParserResult {
  const report = findJsonReport(input.lines, 'vitest');
  if (report !== undefined) return readJsonReport(report, input);
  let sawFiles = false;
  let tests: Map<string, number> | undefined;
  let total: number | undefined;
  let unhandledErrors = 0;
  let failedSuites = 0;
  const failing: string[] = [];

  for (const line of input.lines) {
    const banner = BANNER.exec(line);
    if (banner?.[1] === 'Failed Suites') failedSuites = Number(banner[2] ?? 1);
    const heading = FAIL_HEADING.exec(line);
    if (heading?.[1]) failing.push(heading[1].trim());
    if (TEST_FILES_LINE.test(line)) {
      sawFiles = true;
      continue;
    }
    const testsLine = TESTS_LINE.exec(line);
    if (testsLine?.[1] && sawFiles) {
      tests = readTally(testsLine[1]);
      total = testsLine[2] === undefined ? undefined : Number(testsLine[2]);
    }
    const errors = ERRORS_LINE.exec(line);
    if (errors?.[1] && sawFiles) unhandledErrors = Number(errors[1]);
  }

  if (!sawFiles || tests === undefined) return notRecognized();
  const counts = {
    ...zeroCounts(),
    passed: tallyOf(tests, 'passed'),
    failed: tallyOf(tests, 'failed'),
    skipped: tallyOf(tests, 'skipped', 'todo'),
    // A file that failed to load ran no tests at all; unhandled errors fail the run without a test.
    errors: failedSuites + unhandledErrors,
  };
  const result: ParserResult = { counts, failing, recognized: true };
  const listed = everyTest(
    listVitestTests(input.lines),
    total ?? counts.passed + counts.failed + counts.skipped,
  );
  if (listed !== undefined) result.tests = listed;
  return result;
}
