/**
 * What a check's output says, once a parser for its tool has read it. The
 * merge queue compares these between the target and the candidate, so the
 * names in `failing` must be stable across runs of the same code.
 */
export interface CheckCounts {
  passed: number;
  failed: number;
  errors: number;
  warnings: number;
  skipped: number;
}

export interface ParsedCheck {
  parser: ParserName;
  counts: CheckCounts;
  /**
   * Names of the failing items where the tool prints them: test names ("file > suite > test" or pytest
   * node ids), lint/type/security findings as "path:line rule" (stable across runs: no column if the
   * tool's column is unstable, include the rule/code). A test file that could not load or collect is
   * named by its path. A failing pytest subtest is its test's node id, a space and pytest's own
   * description of it: "tests/x.py::test_codes [code] (code='us')", "tests/x.py::test_stock
   * [back-ordered]", as pytest heads its failure. Sorted, unique.
   */
  failing: string[];
  /**
   * True only when the parser found its tool's own report (a summary, a result format no other tool
   * prints): false for another tool's output, and for output with nothing to read (pytest -qq that
   * collected nothing prints only a blank line), which the caller must not take for a pass.
   */
  recognized: boolean;
  /**
   * Every test the output names, passed, failed or skipped, in `failing`'s scheme (node:test excepted,
   * see below). Sorted, unique. Given only when the names account for every test the tool counted:
   * the gate reports a test missing from the candidate's list as gone, so a partial list (pytest
   * without -v, vitest's default reporter, jest over several files without --verbose) is omitted
   * rather than given. Tests only: not a test file that failed to load (it is named in `failing`),
   * not pytest subtests (counted in `subtests`, failing ones named in `failing`).
   *
   * node:test prints no file for a passing test (Node 20's spec and TAP reporters give one only for
   * failures), so its names here are "suite > test", where `failing` has "file > suite > test".
   */
  tests?: string[];
  /**
   * pytest subtests (pytest 9's `subtests` fixture). Given only where the output reports passing
   * subtests too (-q, -qq, -v, or a "subtests passed" count): pytest 9 at default verbosity prints
   * failing subtests only, and a "0 passed" there would be a guess. pytest counts a failing subtest
   * among "failed"; `counts.failed` does not, it counts tests (the test holding it fails as well).
   */
  subtests?: SubtestCounts;
  /** Lint, type and security parsers: every finding, errors and warnings, in the tool's order. */
  findings?: Finding[];
}

export interface SubtestCounts {
  passed: number;
  failed: number;
}

/** One lint, type or security finding. */
export interface Finding {
  /** As in `failing`: relative to the check's folder where the tool printed it absolute. */
  file: string;
  /** 0 for a finding about no file in particular (tsc's "error TS5058: ..."). */
  line: number;
  /** The rule or code, as in `failing`. */
  rule: string;
  /** The tool's message, trimmed, one line, without the position it prints separately. */
  message: string;
  /** Set by every parser; optional so results built by hand (tests, old snapshots) need not. */
  severity?: 'error' | 'warning';
}

export const PARSER_NAMES = [
  'exit-code',
  'node-test',
  'node-test-tap',
  'vitest',
  'jest',
  'pytest',
  'tsc',
  'eslint',
  'eslint-json',
  'ruff',
  'mypy',
  'bandit',
] as const;

export type ParserName = (typeof PARSER_NAMES)[number];

export interface ParseOptions {
  /**
   * The folder the check ran in. Absolute paths under it (eslint, node's TAP locations) are made
   * relative, so the same finding has the same name in every worktree.
   */
  cwd?: string;
}

/** What one tool's parser sees: the output with ANSI codes stripped, split into lines. */
export interface ParserInput {
  lines: readonly string[];
  exitCode: number | null;
  cwd: string | undefined;
}

/** What one tool's parser returns; the dispatcher adds the parser name and sorts the names. */
export interface ParserResult {
  counts: CheckCounts;
  failing: string[];
  recognized: boolean;
  tests?: string[];
  subtests?: SubtestCounts;
  findings?: Finding[];
}

export type OutputParser = (input: ParserInput) => ParserResult;
