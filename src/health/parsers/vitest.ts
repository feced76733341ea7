import { notRecognized, readTally, tallyOf, zeroCounts } from './output-text.js';
import type { ParserInput, ParserResult } from './types.js';

/**
 * vitest's default reporter (`vitest run --reporter=default`). The summary block is
 *
 *    Test Files  1 failed | 1 passed (2)
 *         Tests  3 failed | 5 passed (8)
 *        Errors  1 error
 *
 * and every failure is headed " FAIL  file > suite > test"; a file that failed to load is
 * " FAIL  file [ file ]" under a "Failed Suites N" banner. jest prints " FAIL  ./file" too when
 * coloured, which is why nothing here counts before the vitest summary is found.
 */

const TEST_FILES_LINE = /^ *Test Files {2}(.+?) \((\d+)\)$/;
const TESTS_LINE = /^ *Tests {2}(.+?)(?: \((\d+)\))?$/;
const ERRORS_LINE = /^ *Errors {2}(\d+) errors?\b/;
const FAIL_HEADING = /^ ?FAIL {2}(.+?)(?: \[ .+ \])?$/;
const BANNER = /^⎯+ (Failed Suites|Failed Tests|Unhandled Errors?)(?: (\d+))? ⎯+$/;

export function parseVitest(input: ParserInput): ParserResult {
  let sawFiles = false;
  let tests: Map<string, number> | undefined;
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
    if (testsLine?.[1] && sawFiles) tests = readTally(testsLine[1]);
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
  return { counts, failing, recognized: true };
}
