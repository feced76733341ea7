/*
 * What the test-runner parsers share about naming tests. A test is named by its file, its suites and
 * its title, joined by " > " (pytest: its node id), in `failing` and `tests` alike.
 */

export const NAME_SEPARATOR = ' > ';

export function testName(parts: readonly string[]): string {
  return parts.join(NAME_SEPARATOR);
}

/**
 * The names as `tests`, or undefined unless they account for every test the tool counted (between
 * `fewest` and `most` distinct names). The gate reports each test missing from the candidate's list
 * as gone, so a list that leaves tests out (a reporter that shows only failing files, two tests with
 * one name) would accuse tests that ran: it is better not given.
 */
export function everyTest(names: readonly string[], fewest: number, most = fewest): string[] | undefined {
  const unique = [...new Set(names)];
  return unique.length >= fewest && unique.length <= most ? unique : undefined;
}
