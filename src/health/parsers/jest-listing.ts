import { testName } from './test-names.js';

/**
 * The tests jest's verbose listing names. jest prints it under each "PASS ./file" line with
 * --verbose, and on its own when it runs a single test file; describe blocks are bare lines, tests
 * carry a glyph, each level two spaces deeper, and a blank line ends it:
 *
 *   PASS ./skip.test.js
 *     search
 *       ✓ finds exact matches (4 ms)
 *       ○ skipped ranks fuzzy matches
 *       ✎ todo highlights matches
 */

const TEST_LINE = /^( +)(?:✓|✕|○ skipped|✎ todo) (.+?)(?: \(\d+(?:\.\d+)? m?s\))?$/;
const SUITE_LINE = /^( +)([^\s●✓✕○✎].*)$/;

/** `file` names the "PASS"/"FAIL" line at `lines[start - 1]`; the listing, if any, starts below it. */
export function listJestTests(file: string, lines: readonly string[], start: number): string[] {
  const names: string[] = [];
  const suites: { indent: number; title: string }[] = [];
  for (let index = start; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    const test = TEST_LINE.exec(line);
    const suite = test ? null : SUITE_LINE.exec(line);
    const indent = (test?.[1] ?? suite?.[1])?.length;
    const title = test?.[2] ?? suite?.[2];
    if (indent === undefined || title === undefined) break;
    while ((suites.at(-1)?.indent ?? 0) >= indent) suites.pop();
    // Each level is two spaces deeper than the one holding it; anything else is not the listing.
    if (indent !== 2 * (suites.length + 1)) break;
    if (test) names.push(testName([file, ...suites.map((open) => open.title), title]));
    else suites.push({ indent, title });
  }
  return names;
}
