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
export type { CheckCounts, ParsedCheck, ParseOptions, ParserName } from './types.js';

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
 * caller then judges the check by its exit code and says so.
 */
export function parseCheckOutput(
  parser: ParserName,
  output: string,
  exitCode: number | null,
  options: ParseOptions = {},
): ParsedCheck {
  const result = PARSERS[parser]({ lines: outputLines(output), exitCode, cwd: options.cwd });
  const { counts, failing, recognized } = result.recognized ? result : notRecognized();
  return { parser, counts, failing: [...new Set(failing)].sort(), recognized };
}
