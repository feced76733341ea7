import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { loadFixture, parseFixture } from './fixtures.js';

const FAILING = [
  'fail.test.js > cart > applies discount',
  'fail.test.js > cart > shipping > is free over 50',
  'fail.test.js > parses dates',
];
// node prints no file for a passing test, so `tests` names are "suite > test" (see ParsedCheck.tests).
const FAIL_FILE_TESTS = [
  'cart > applies discount',
  'cart > shipping > costs 5 below 50',
  'cart > shipping > is free over 50',
  'cart > sums items',
  'parses dates',
];
const PASS_TESTS = ['math > adds', 'math > multiplies', 'top-level passes'];
const SKIP_TESTS = [
  'search > finds exact matches',
  'search > handles unicode',
  'search > highlights matches',
  'search > ranks fuzzy matches',
];
// fail.test.js and pass.test.js together, sorted.
const FAIL_TESTS = [
  'cart > applies discount',
  'cart > shipping > costs 5 below 50',
  'cart > shipping > is free over 50',
  'cart > sums items',
  'math > adds',
  'math > multiplies',
  'parses dates',
  'top-level passes',
];

describe('node:test spec reporter parser (real node --test --test-reporter=spec output)', () => {
  it('reads a passing run', () => {
    expect(parseFixture('node-test', 'node-test/spec-pass')).toEqual({
      parser: 'node-test',
      counts: { passed: 3, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
      tests: PASS_TESTS,
    });
  });

  it('names each failing test by file and suite path, not the suites that failed through them', () => {
    expect(parseFixture('node-test', 'node-test/spec-fail')).toEqual({
      parser: 'node-test',
      counts: { passed: 5, failed: 3, errors: 0, warnings: 0, skipped: 0 },
      failing: FAILING,
      recognized: true,
      tests: FAIL_TESTS,
    });
  });

  it('counts skipped and todo tests as skipped', () => {
    expect(parseFixture('node-test', 'node-test/spec-skip')).toEqual({
      parser: 'node-test',
      counts: { passed: 1, failed: 0, errors: 0, warnings: 0, skipped: 3 },
      failing: [],
      recognized: true,
      tests: SKIP_TESTS,
    });
  });

  it('counts a test file that crashed on import as an error named by the file, not as a test', () => {
    expect(parseFixture('node-test', 'node-test/spec-load-error')).toEqual({
      parser: 'node-test',
      counts: { passed: 3, failed: 0, errors: 1, warnings: 0, skipped: 0 },
      failing: ['load-error.test.js'],
      recognized: true,
      tests: PASS_TESTS,
    });
  });

  it('reads output with colour forced on', () => {
    expect(parseFixture('node-test', 'node-test/spec-fail-color')).toEqual({
      parser: 'node-test',
      counts: { passed: 2, failed: 3, errors: 0, warnings: 0, skipped: 0 },
      failing: FAILING,
      recognized: true,
      tests: FAIL_FILE_TESTS,
    });
  });

  it('counts the tree when the run was killed before its summary', () => {
    const { output } = loadFixture('node-test/spec-fail');
    const cut = output.slice(0, output.indexOf('ℹ tests'));
    const parsed = parseCheckOutput('node-test', cut, null);
    expect(parsed.recognized).toBe(true);
    // pass.test.js ran in parallel and its three passes are in the tree too.
    expect(parsed.counts).toEqual({ passed: 5, failed: 3, errors: 0, warnings: 0, skipped: 0 });
    // Without the failing-tests section the file is unknown; the suite path still names the test.
    expect(parsed.failing).toEqual([
      'cart > applies discount',
      'cart > shipping > is free over 50',
      'parses dates',
    ]);
    expect(parsed.tests).toEqual(FAIL_TESTS);
  });

  it('does not read a tree without its summary from a run that exited: other runners print such lines', () => {
    const { output } = loadFixture('node-test/spec-fail');
    const cut = output.slice(0, output.indexOf('ℹ tests'));
    expect(parseCheckOutput('node-test', cut, 1).recognized).toBe(false);
  });

  it('reads TAP too, which plain `node --test` prints on Node 20 when piped, as under gaffer', () => {
    const parsed = parseFixture('node-test', 'node-test/tap-fail');
    expect(parsed).toMatchObject({ parser: 'node-test', recognized: true });
    expect(parsed.failing).toEqual(FAILING);
    expect(parsed.tests).toEqual(FAIL_TESTS);
  });
});

describe('node:test TAP reporter parser (real node --test --test-reporter=tap output)', () => {
  it('reads a passing run', () => {
    expect(parseFixture('node-test-tap', 'node-test/tap-pass')).toEqual({
      parser: 'node-test-tap',
      counts: { passed: 3, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
      tests: PASS_TESTS,
    });
  });

  it('names failing leaf tests with their file from the YAML location, relative to the check folder', () => {
    expect(parseFixture('node-test-tap', 'node-test/tap-fail')).toEqual({
      parser: 'node-test-tap',
      counts: { passed: 5, failed: 3, errors: 0, warnings: 0, skipped: 0 },
      failing: FAILING,
      recognized: true,
      tests: FAIL_TESTS,
    });
  });

  it('keeps absolute paths when the check folder is not given', () => {
    const { output, exitCode } = loadFixture('node-test/tap-fail');
    const parsed = parseCheckOutput('node-test-tap', output, exitCode);
    expect(parsed.failing[0]).toBe(
      '/tmp/gaffer-health-fixtures/node-test/fail.test.js > cart > applies discount',
    );
  });

  it('counts SKIP and TODO directives as skipped', () => {
    expect(parseFixture('node-test-tap', 'node-test/tap-skip')).toEqual({
      parser: 'node-test-tap',
      counts: { passed: 1, failed: 0, errors: 0, warnings: 0, skipped: 3 },
      failing: [],
      recognized: true,
      tests: SKIP_TESTS,
    });
  });

  it('counts a test file that crashed on import as an error named by the file, not as a test', () => {
    expect(parseFixture('node-test-tap', 'node-test/tap-load-error')).toEqual({
      parser: 'node-test-tap',
      counts: { passed: 3, failed: 0, errors: 1, warnings: 0, skipped: 0 },
      failing: ['load-error.test.js'],
      recognized: true,
      tests: PASS_TESTS,
    });
  });

  it('counts leaf test points when the run was killed before its summary', () => {
    const { output, exitCode } = loadFixture('node-test/tap-fail');
    const cut = output.slice(0, output.indexOf('# tests'));
    const parsed = parseCheckOutput('node-test-tap', cut, exitCode);
    expect(parsed.counts).toEqual({ passed: 5, failed: 3, errors: 0, warnings: 0, skipped: 0 });
  });

  it('does not recognize the spec reporter output', () => {
    expect(parseFixture('node-test-tap', 'node-test/spec-fail').recognized).toBe(false);
  });
});
