import { displayPath, zeroCounts } from './output-text.js';
import { everyTest, testName } from './test-names.js';
import type { ParserInput, ParserResult } from './types.js';

/**
 * The JSON report of `jest --json` and `vitest run --reporter=json` (vitest's copies jest's shape):
 * one object on one line of stdout,
 *
 *   {"numFailedTests":3,"numPassedTests":6,...,"success":false,"testResults":[{"name":"/abs/fail.test.js",
 *     "status":"failed","message":"","assertionResults":[{"ancestorTitles":["cart"],"title":"...",
 *     "status":"failed"}]}]}
 *
 * which the combined output mixes with stderr: jest's whole human report, npm's warnings. The two
 * are told apart by fields only jest writes (numRuntimeErrorTestSuites, wasInterrupted) and one
 * only vitest writes (each test's "meta").
 */

export type JsonReporter = 'jest' | 'vitest';

interface TestResult {
  ancestorTitles: string[];
  title: string;
  status: string;
  meta?: unknown;
}

interface FileResult {
  name: string;
  status: string;
  assertionResults: TestResult[];
}

interface JsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numTotalTests: number;
  success: boolean;
  testResults: FileResult[];
}

const JEST_ONLY = ['numRuntimeErrorTestSuites', 'wasInterrupted'];

export function findJsonReport(lines: readonly string[], tool: JsonReporter): JsonReport | undefined {
  for (const line of lines) {
    // Cheap filters first: the report is long, and most lines are not it.
    if (!line.includes('"testResults"') || !line.includes('"numTotalTests"')) continue;
    const end = line.lastIndexOf('}');
    for (let start = line.indexOf('{"'); start !== -1 && start < end; start = line.indexOf('{"', start + 1)) {
      const report = parseReport(line.slice(start, end + 1), tool);
      if (report !== undefined) return report;
    }
  }
  return undefined;
}

function parseReport(text: string, tool: JsonReporter): JsonReport | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isReport(parsed)) return undefined;
  const fields = parsed as unknown as Record<string, unknown>;
  const isJest = JEST_ONLY.every((field) => field in fields);
  const isVitest =
    JEST_ONLY.every((field) => !(field in fields)) &&
    parsed.testResults.every((file) => file.assertionResults.every((test) => typeof test.meta === 'object'));
  return (tool === 'jest' ? isJest : isVitest) ? parsed : undefined;
}

/** Counts, failing names and every test's name, as the text parsers of the same tool give them. */
export function readJsonReport(report: JsonReport, input: ParserInput): ParserResult {
  const failing: string[] = [];
  const names: string[] = [];
  let filesThatFailedToRun = 0;
  for (const file of report.testResults) {
    const path = displayPath(file.name, input.cwd);
    let failedTests = 0;
    for (const test of file.assertionResults) {
      const name = testName([path, ...test.ancestorTitles, test.title]);
      names.push(name);
      if (test.status !== 'failed') continue;
      failedTests += 1;
      failing.push(name);
    }
    // A file that could not run (a failed import, a syntax error) failed without a failing test.
    if (file.status === 'failed' && failedTests === 0) {
      filesThatFailedToRun += 1;
      failing.push(path);
    }
  }
  const counts = {
    ...zeroCounts(),
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
    errors: filesThatFailedToRun,
  };
  // A run that failed with every test passing failed outside them (vitest's unhandled errors).
  if (!report.success && counts.failed === 0 && counts.errors === 0) counts.errors = 1;
  const result: ParserResult = { counts, failing, recognized: true };
  const tests = everyTest(names, report.numTotalTests);
  if (tests !== undefined) result.tests = tests;
  return result;
}

function isReport(value: unknown): value is JsonReport {
  if (typeof value !== 'object' || value === null) return false;
  const report = value as Record<string, unknown>;
  const numbers = ['numPassedTests', 'numFailedTests', 'numPendingTests', 'numTodoTests', 'numTotalTests'];
  return (
    numbers.every((field) => typeof report[field] === 'number') &&
    typeof report.success === 'boolean' &&
    Array.isArray(report.testResults) &&
    report.testResults.every(isFileResult)
  );
}

function isFileResult(value: unknown): value is FileResult {
  if (typeof value !== 'object' || value === null) return false;
  const file = value as Record<string, unknown>;
  return (
    typeof file.name === 'string' &&
    typeof file.status === 'string' &&
    Array.isArray(file.assertionResults) &&
    file.assertionResults.every(isTestResult)
  );
}

function isTestResult(value: unknown): value is TestResult {
  if (typeof value !== 'object' || value === null) return false;
  const test = value as Record<string, unknown>;
  return (
    Array.isArray(test.ancestorTitles) &&
    test.ancestorTitles.every((title) => typeof title === 'string') &&
    typeof test.title === 'string' &&
    typeof test.status === 'string'
  );
}
