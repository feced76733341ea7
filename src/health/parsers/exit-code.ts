import { zeroCounts } from './output-text.js';
import type { ParserInput, ParserResult } from './types.js';

/**
 * For checks whose tool has no parser: the check is one item that passed or failed. A check that
 * was killed (no exit code) failed. It always "recognizes" its input, since it reads none of it.
 */
export function parseExitCode(input: ParserInput): ParserResult {
  const counts = zeroCounts();
  if (input.exitCode === 0) counts.passed = 1;
  else counts.failed = 1;
  return { counts, failing: [], recognized: true };
}
