import { countsFromSummary, isWholeFile } from './node-test-summary.js';
import { displayPath, notRecognized, zeroCounts } from './output-text.js';
import { everyTest, testName } from './test-names.js';
import type { CheckCounts, ParserInput, ParserResult } from './types.js';

/**
 * node:test's TAP reporter (`node --test --test-reporter=tap`; Node 20's default when stdout is not
 * a terminal, which is how gaffer runs checks). Subtests nest by four spaces; a parent's test point
 * comes after its children's; each point may be followed by a YAML block whose `location` names the
 * file and whose `failureType: 'subtestsFailed'` marks a suite that failed only through children.
 * Counts come from the "# pass N" summary node prints at the end. Only failing points carry a
 * location, so `tests` names every leaf point "suite > test", without the file (see
 * ParsedCheck.tests).
 */

const VERSION_LINE = /^TAP version \d+$/;
const SUBTEST_LINE = /^( *)# Subtest: (.*)$/;
const TEST_POINT = /^( *)(not ok|ok) \d+(?: - ((?:[^#\\]|\\.)*?))?\s*(?:#\s*(SKIP|TODO)\b.*)?$/i;
const YAML_START = /^ *---$/;
const YAML_END = /^ *\.\.\.$/;
const YAML_FIELD = /^ *(location|failureType|type|exitCode): '?(.*?)'?$/;
const SUMMARY_LINE = /^# (tests|suites|pass|fail|cancelled|skipped|todo) (\d+)$/;

interface TestPoint {
  ok: boolean;
  directive: string | undefined;
  title: string;
  suites: string[];
  isParent: boolean;
  fields: Map<string, string>;
}

export function parseNodeTestTap(input: ParserInput): ParserResult {
  const summary = new Map<string, number>();
  const points: TestPoint[] = [];
  const subtests: string[] = [];
  // childSeen[d]: a test point at depth d finished since the last point at depth d - 1.
  const childSeen: boolean[] = [];
  let sawVersion = false;
  let yamlOf: TestPoint | undefined;
  let inYaml = false;

  for (const line of input.lines) {
    if (inYaml) {
      if (YAML_END.test(line)) inYaml = false;
      const field = YAML_FIELD.exec(line);
      if (field?.[1] && field[2] !== undefined) yamlOf?.fields.set(field[1], field[2]);
      continue;
    }
    if (YAML_START.test(line) && yamlOf) {
      inYaml = true;
      continue;
    }
    yamlOf = undefined;
    if (VERSION_LINE.test(line)) sawVersion = true;
    const total = SUMMARY_LINE.exec(line);
    if (total?.[1] && total[2]) summary.set(total[1], Number(total[2]));
    const subtest = SUBTEST_LINE.exec(line);
    if (subtest?.[1] !== undefined && subtest[2] !== undefined) {
      const depth = Math.floor(subtest[1].length / 4);
      subtests.length = depth;
      subtests[depth] = unescapeTap(subtest[2]);
      childSeen[depth + 1] = false;
      continue;
    }
    const point = TEST_POINT.exec(line);
    if (point?.[1] === undefined || !point[2]) continue;
    const depth = Math.floor(point[1].length / 4);
    const parsed: TestPoint = {
      ok: point[2] === 'ok',
      directive: point[4]?.toUpperCase(),
      title: unescapeTap(point[3] ?? subtests[depth] ?? ''),
      suites: subtests.slice(0, depth),
      isParent: childSeen[depth + 1] === true,
      fields: new Map(),
    };
    childSeen[depth + 1] = false;
    childSeen[depth] = true;
    points.push(parsed);
    yamlOf = parsed;
  }

  if (!sawVersion && !summary.has('tests')) return notRecognized();
  let fileErrors = 0;
  const failing: string[] = [];
  const names: string[] = [];
  for (const point of points) {
    if (isSuiteFailure(point)) continue;
    const location = point.fields.get('location');
    const file = location === undefined ? undefined : displayPath(stripPosition(location), input.cwd);
    const crashedFile = file ?? displayPath(point.title, input.cwd);
    const crashed =
      !point.ok &&
      point.directive === undefined &&
      point.suites.length === 0 &&
      isWholeFile(point.title, crashedFile);
    if (!crashed) names.push(testName([...point.suites, point.title]));
    if (point.ok || point.directive !== undefined) continue;
    if (crashed) {
      fileErrors += 1;
      failing.push(crashedFile);
      continue;
    }
    failing.push(testName([...(file === undefined ? [] : [file]), ...point.suites, point.title]));
  }
  const counts = summary.has('tests') ? countsFromSummary(summary, fileErrors) : countsFromPoints(points);
  const result: ParserResult = { counts, failing, recognized: true };
  const tests = everyTest(names, counts.passed + counts.failed + counts.skipped);
  if (tests !== undefined) result.tests = tests;
  return result;
}

/** A suite whose only failure is its children's: the children are the failing items. */
function isSuiteFailure(point: TestPoint): boolean {
  return point.isParent || point.fields.get('failureType') === 'subtestsFailed';
}

function stripPosition(location: string): string {
  return location.replace(/:\d+:\d+$/, '');
}

/** TAP escapes "#" and "\" in test names. */
function unescapeTap(text: string): string {
  return text.replace(/\\([#\\])/g, '$1');
}

/** A run killed before its summary: count the leaf test points. */
function countsFromPoints(points: TestPoint[]): CheckCounts {
  const counts = zeroCounts();
  for (const point of points) {
    if (point.isParent) continue;
    if (point.directive !== undefined) counts.skipped += 1;
    else if (point.ok) counts.passed += 1;
    else counts.failed += 1;
  }
  return counts;
}
