import { parseBandit } from './bandit.js';
import { parseEslintJson } from './eslint-json.js';
import { parseEslintStylish } from './eslint.js';
import { parseExitCode } from './exit-code.js';
import { parseJest } from './jest.js';
import { parseMypy } from './mypy.js';
import { parseNodeTestSpec } from './node-test.js';
import { notRecognized, outputLines } from './output-text.js';
import { parsePytest } from './pytest.js';
import { parseRuff } from './ruff.js';
import { parseNodeTestTap } from './tap.js';
import { parseTsc } from './tsc.js';
import { parseVitest } from './vitest.js';
import type { OutputParser, ParsedCheck, ParseOptions, ParserName } from './types.js';

export { PARSER_NAMES } from './types.js';
export type { CheckCounts, Finding, ParsedCheck, ParseOptions, ParserName, SubtestCounts } from './types.js';

const PARSERS: Record<ParserName, OutputParser> = {
  'exit-code': parseExitCode,
  'node-test': parseNodeTestSpec,
  'node-test-tap': parseNodeTestTap,
  vitest: parseVitest,
  jest: parseJest,
  pytest: parsePytest,
  tsc: parseTsc,
  eslint: parseEslintStylish,
  'eslint-json': parseEslintJson,
  ruff: parseRuff,
  mypy: parseMypy,
  bandit: parseBandit,
};

/**
 * Reads a check's combined stdout and stderr with the parser its config names. Output the parser
 * does not recognize yields `recognized: false` with zero counts and no names, never a guess: the
 * caller must not take such a check for passed. Names in `failing` and `tests` come
 * back sorted and unique; findings come in the tool's order.
 */
export function parseCheckOutput(
  parser: ParserName,
  output: string,
  exitCode: number | null,
  options: ParseOptions = {},
): ParsedCheck {
  const result = PARSERS[parser]({ lines: outputLines(output), exitCode, cwd: options.cwd });
  const { counts, failing, recognized, tests, subtests, findings } = result.recognized
    ? result
    : notRecognized();
  const parsed: ParsedCheck = { parser, counts, failing: sortedUnique(failing), recognized };
  if (tests !== undefined) parsed.tests = sortedUnique(tests);
  if (subtests !== undefined) parsed.subtests = subtests;
  if (findings !== undefined) parsed.findings = findings;
  return parsed;
}

function sortedUnique(names: readonly string[]): string[] {
  return [...new Set(names)].sort();
}
