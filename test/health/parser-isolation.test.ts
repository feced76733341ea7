import { describe, expect, it } from 'vitest';
import { PARSER_NAMES, type ParserName } from '../../src/health/parsers/types.js';
import { allFixtureIds, parseFixture } from './fixtures.js';

/**
 * A parser must never count another tool's output (LESSONS: a type-checker regex once matched test
 * output and invented failures). Every parser reads every other tool's real fixture, and either does
 * not recognize it or finds nothing in it.
 */

// The parser(s) each fixture folder was captured for.
const OWNERS: Record<string, ParserName[]> = {
  'node-test/spec': ['node-test'],
  // Plain `node --test` prints TAP or spec depending on Node's version: node-test reads both.
  'node-test/tap': ['node-test-tap', 'node-test'],
  vitest: ['vitest'],
  jest: ['jest'],
  pytest: ['pytest'],
  tsc: ['tsc'],
  'eslint/stylish': ['eslint'],
  'eslint/json': ['eslint-json'],
  ruff: ['ruff'],
  mypy: ['mypy'],
  bandit: ['bandit'],
};

// Real output with nothing in it to read: its own parser must not recognize it either.
const UNREADABLE = new Set([
  // pytest -qq prints no summary, and with nothing collected no progress line: only a blank line.
  'pytest/no-tests-qq',
]);

function ownersOf(id: string): ParserName[] {
  const key = Object.keys(OWNERS).find(
    (prefix) => id.startsWith(`${prefix}/`) || id.startsWith(`${prefix}-`),
  );
  if (key === undefined) throw new Error(`no owner listed for fixture ${id}`);
  return OWNERS[key] ?? [];
}

const fixtures = allFixtureIds();
const parsers = PARSER_NAMES.filter((name) => name !== 'exit-code');
const pairs = fixtures.flatMap((id) =>
  parsers.filter((parser) => !ownersOf(id).includes(parser)).map((parser) => [parser, id] as const),
);

describe('parser isolation across tools', () => {
  it('has a fixture for every parser', () => {
    const owned = new Set(fixtures.flatMap(ownersOf));
    expect([...owned].sort()).toEqual([...parsers].sort());
  });

  it.each(pairs)('%s finds nothing in %s', (parser, id) => {
    const parsed = parseFixture(parser, id);
    expect(parsed.counts).toEqual({ passed: 0, failed: 0, errors: 0, warnings: 0, skipped: 0 });
    expect(parsed.failing).toEqual([]);
    expect(parsed.tests ?? []).toEqual([]);
    expect(parsed.findings ?? []).toEqual([]);
    expect(parsed.subtests).toBeUndefined();
  });

  it('recognizes another tool only where that tool passed silently', () => {
    const recognized = pairs.filter(([parser, id]) => parseFixture(parser, id).recognized);
    // tsc and eslint print nothing when they pass, so each takes the other's empty success as its own.
    expect(recognized).toEqual([
      ['tsc', 'eslint/stylish-pass'],
      ['eslint', 'tsc/pass'],
    ]);
  });

  it('recognizes every fixture of its own tool that has something to read', () => {
    for (const id of fixtures) {
      for (const parser of ownersOf(id))
        expect(parseFixture(parser, id).recognized, `${parser} ${id}`).toBe(!UNREADABLE.has(id));
    }
  });

  it('gives nothing but zero counts for output it does not recognize', () => {
    for (const id of UNREADABLE) {
      for (const parser of ownersOf(id))
        expect(parseFixture(parser, id)).toEqual({
          parser,
          counts: { passed: 0, failed: 0, errors: 0, warnings: 0, skipped: 0 },
          failing: [],
          recognized: false,
        });
    }
  });
});
