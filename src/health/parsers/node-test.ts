import { countsFromSummary, isWholeFile } from './node-test-summary.js';
import { displayPath, zeroCounts } from './output-text.js';
import { parseNodeTestTap } from './tap.js';
import { everyTest, testName } from './test-names.js';
import type { CheckCounts, ParserInput, ParserResult } from './types.js';

/**
 * node:test's spec reporter (`node --test --test-reporter=spec`; the default on a terminal). The
 * result tree nests suites by two-space indentation:
 *
 *   ▶ cart
 *     ✖ applies discount (1.46ms)
 *   ✖ cart (6.78ms)
 *   ℹ tests 5
 *
 * and the "✖ failing tests:" section after the summary gives each failure's file ("test at
 * fail.test.js:6:3"), which the tree does not. Counts come from the "ℹ" summary. Output in
 * node's TAP format goes to the TAP parser (tap.ts). The tree names every test, but a passing one
 * without its file: `tests` holds "suite > test" (see ParsedCheck.tests).
 */

// A finished test always carries its duration, which keeps stray "✔" lines in error output out.
const RESULT_LINE = /^( *)([✔✖﹣]) (.+?) \((\d+(?:\.\d+)?m?s)\)(?: # (.*))?$/;
const SUITE_START = /^( *)▶ (.+)$/;
const SUMMARY_LINE = /^ℹ (tests|suites|pass|fail|cancelled|skipped|todo) (\d+)$/;
const FAILING_HEADER = /^✖ failing tests:$/;
const LOCATION_LINE = /^test at (.+):\d+:\d+$/;
const FAILURE_TITLE = /^✖ (.+ \(\d+(?:\.\d+)?m?s\))$/;

interface Leaf {
  glyph: string;
  todo: boolean;
  title: string;
  /** Name plus duration, as the failing-tests section repeats it: the key that finds the file. */
  key: string;
  suites: string[];
}

export function parseNodeTestSpec(input: ParserInput): ParserResult {
  const summary = new Map<string, number>();
  const leaves: Leaf[] = [];
  const openSuites: { indent: number; title: string }[] = [];
  const fileOf = new Map<string, string>();
  let inFailingSection = false;
  let pendingFile: string | undefined;

  for (const line of input.lines) {
    const total = SUMMARY_LINE.exec(line);
    if (total?.[1] && total[2]) {
      summary.set(total[1], Number(total[2]));
      continue;
    }
    if (FAILING_HEADER.test(line)) {
      inFailingSection = true;
      continue;
    }
    if (inFailingSection) {
      const location = LOCATION_LINE.exec(line);
      if (location?.[1]) pendingFile = location[1];
      const title = FAILURE_TITLE.exec(line);
      if (title?.[1] && pendingFile !== undefined) {
        fileOf.set(title[1], pendingFile);
        pendingFile = undefined;
      }
      continue;
    }
    const suite = SUITE_START.exec(line);
    if (suite?.[1] !== undefined && suite[2]) {
      const indent = suite[1].length;
      while ((openSuites.at(-1)?.indent ?? -1) >= indent) openSuites.pop();
      openSuites.push({ indent, title: suite[2] });
      continue;
    }
    const result = RESULT_LINE.exec(line);
    if (result?.[1] === undefined || !result[2] || !result[3] || !result[4]) continue;
    const indent = result[1].length;
    while ((openSuites.at(-1)?.indent ?? -1) > indent) openSuites.pop();
    const top = openSuites.at(-1);
    if (top?.indent === indent && top.title === result[3]) {
      // The line that closes a suite repeats its title at the suite's own indentation.
      openSuites.pop();
      continue;
    }
    leaves.push({
      glyph: result[2],
      todo: result[5]?.startsWith('TODO') ?? false,
      title: result[3],
      key: `${result[3]} (${result[4]})`,
      suites: openSuites.map((open) => open.title),
    });
  }

  // `node --test` picks its reporter by Node version and terminal: Node 20 prints TAP when piped,
  // as it is under gaffer. Reading both spares the config a guess; TAP lines never look like spec.
  // Without the "ℹ tests" summary the tree is read only for a run that was killed: other runners
  // (mocha) print "✔ title (5ms)" lines too.
  if (!summary.has('tests') && (leaves.length === 0 || input.exitCode !== null))
    return parseNodeTestTap(input);
  let fileErrors = 0;
  const failing: string[] = [];
  const names: string[] = [];
  for (const leaf of leaves) {
    const file = fileOf.get(leaf.key);
    const shown = file === undefined ? undefined : displayPath(file, input.cwd);
    const crashedFile = shown ?? displayPath(leaf.title, input.cwd);
    // A test file that crashed before its tests ran is reported as one test named by its path.
    const crashed = leaf.glyph === '✖' && !leaf.todo && isWholeFile(leaf.title, crashedFile);
    if (!crashed) names.push(testName([...leaf.suites, leaf.title]));
    // A failing TODO test does not fail the run: node counts it as todo, so do we.
    if (leaf.glyph !== '✖' || leaf.todo) continue;
    if (crashed) {
      fileErrors += 1;
      failing.push(crashedFile);
      continue;
    }
    failing.push(testName([...(shown === undefined ? [] : [shown]), ...leaf.suites, leaf.title]));
  }
  const counts = summary.has('tests') ? countsFromSummary(summary, fileErrors) : countsFromLeaves(leaves);
  const result: ParserResult = { counts, failing, recognized: true };
  const tests = everyTest(names, counts.passed + counts.failed + counts.skipped);
  if (tests !== undefined) result.tests = tests;
  return result;
}

/** A run killed before its summary: count what the tree shows. */
function countsFromLeaves(leaves: Leaf[]): CheckCounts {
  const counts = zeroCounts();
  for (const leaf of leaves) {
    if (leaf.todo || leaf.glyph === '﹣') counts.skipped += 1;
    else if (leaf.glyph === '✔') counts.passed += 1;
    else counts.failed += 1;
  }
  return counts;
}
