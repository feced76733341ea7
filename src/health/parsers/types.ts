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
   * tool's column is unstable, include the rule/code). Sorted, unique.
   */
  failing: string[];
  /**
   * False when the output did not look like this tool's at all (the parser recognized nothing): the
   * caller falls back to the exit code and says so.
   */
  recognized: boolean;
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
}

export type OutputParser = (input: ParserInput) => ParserResult;
