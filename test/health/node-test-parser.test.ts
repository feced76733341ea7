import { describe, expect, it } from 'vitest';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import { loadFixture, parseFixture } from './fixtures.js';

const FAILING = [
  'fail.test.js > cart > applies discount',
  'fail.test.js > cart > shipping > is free over 50',
  'fail.test.js > parses dates',
];

describe('node:test spec reporter parser (real node --test --test-reporter=spec output)', () => {
  it('reads a passing run', () => {
    expect(parseFixture('node-test', 'node-test/spec-pass')).toEqual({
      parser: 'node-test',
      counts: { passed: 3, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
    });
  });

  it('names each failing test by file and suite path, not the suites that failed through them', () => {
    const parsed = parseFixture('node-test', 'node-test/spec-fail');
    expect(parsed.counts).toEqual({ passed: 5, failed: 3, errors: 0, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual(FAILING);
  });

  it('counts skipped and todo tests as skipped', () => {
    const parsed = parseFixture('node-test', 'node-test/spec-skip');
    expect(parsed.counts).toEqual({ passed: 1, failed: 0, errors: 0, warnings: 0, skipped: 3 });
    expect(parsed.failing).toEqual([]);
  });

  it('counts a test file that crashed on import as an error named by the file', () => {
    const parsed = parseFixture('node-test', 'node-test/spec-load-error');
    expect(parsed.counts).toEqual({ passed: 3, failed: 0, errors: 1, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual(['load-error.test.js']);
  });

  it('reads output with colour forced on', () => {
    const parsed = parseFixture('node-test', 'node-test/spec-fail-color');
    expect(parsed.counts).toEqual({ passed: 2, failed: 3, errors: 0, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual(FAILING);
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
  });

  it('reads TAP too, which plain `node --test` prints on Node 20 when piped, as under gaffer', () => {
    const parsed = parseFixture('node-test', 'node-test/tap-fail');
    expect(parsed).toMatchObject({ parser: 'node-test', recognized: true });
    expect(parsed.failing).toEqual(FAILING);
  });
});

describe('node:test TAP reporter parser (real node --test --test-reporter=tap output)', () => {
  it('reads a passing run', () => {
    expect(parseFixture('node-test-tap', 'node-test/tap-pass')).toEqual({
      parser: 'node-test-tap',
      counts: { passed: 3, failed: 0, errors: 0, warnings: 0, skipped: 0 },
      failing: [],
      recognized: true,
    });
  });

  it('names failing leaf tests with their file from the YAML location, relative to the check folder', () => {
    const parsed = parseFixture('node-test-tap', 'node-test/tap-fail');
    expect(parsed.counts).toEqual({ passed: 5, failed: 3, errors: 0, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual(FAILING);
  });

  it('keeps absolute paths when the check folder is not given', () => {
    const { output, exitCode } = loadFixture('node-test/tap-fail');
    const parsed = parseCheckOutput('node-test-tap', output, exitCode);
    expect(parsed.failing[0]).toBe(
      '/tmp/gaffer-health-fixtures/node-test/fail.test.js > cart > applies discount',
    );
  });

  it('counts SKIP and TODO directives as skipped', () => {
    const parsed = parseFixture('node-test-tap', 'node-test/tap-skip');
    expect(parsed.counts).toEqual({ passed: 1, failed: 0, errors: 0, warnings: 0, skipped: 3 });
    expect(parsed.failing).toEqual([]);
  });

  it('counts a test file that crashed on import as an error named by the file', () => {
    const parsed = parseFixture('node-test-tap', 'node-test/tap-load-error');
    expect(parsed.counts).toEqual({ passed: 3, failed: 0, errors: 1, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual(['load-error.test.js']);
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
