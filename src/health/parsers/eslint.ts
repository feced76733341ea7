import {
  displayPath,
  findingMessage,
  findingName,
  isSilentSuccess,
  notRecognized,
  silentSuccess,
  zeroCounts,
} from './output-text.js';
import type { Finding, ParserInput, ParserResult } from './types.js';

/**
 * ESLint's default "stylish" formatter. A passing run prints nothing; otherwise each file's path
 * heads a block of aligned problems, and one summary line ends the report:
 *
 *   /abs/src/cart.js
 *     4:9   error    'unused' is assigned a value but never used  no-unused-vars
 *     2:25  error    Parsing error: Unexpected token ;
 *
 *   ✖ 5 problems (3 errors, 2 warnings)
 *
 * Counts come from the summary; only errors are named as failing (a warning never fails eslint),
 * while findings hold both, with stylish's message (it drops the message's final full stop).
 */

const SUMMARY = /^✖ (\d+) problems? \((\d+) errors?, (\d+) warnings?\)$/;
const PROBLEM = /^ {2}(\d+):\d+ +(error|warning) +(.+)$/;
const FILE_HEADING = /^\S.*$/;
// Rule ids: "eqeqeq", "no-console", "@typescript-eslint/no-explicit-any", "react/jsx-key".
const RULE_ID = /^(?:@[\w.-]+\/)?[\w.-]+(?:\/[\w.-]+)*$/;

export function parseEslintStylish(input: ParserInput): ParserResult {
  if (isSilentSuccess(input)) return silentSuccess();
  const counts = zeroCounts();
  const failing: string[] = [];
  const findings: Finding[] = [];
  let recognized = false;
  let currentFile: string | undefined;

  for (const line of input.lines) {
    const summary = SUMMARY.exec(line);
    if (summary?.[2] && summary[3]) {
      recognized = true;
      counts.errors = Number(summary[2]);
      counts.warnings = Number(summary[3]);
      continue;
    }
    const problem = PROBLEM.exec(line);
    if (problem?.[1] && problem[2] && problem[3] && currentFile !== undefined) {
      const { rule, message } = splitRule(problem[3]);
      const severity = problem[2] === 'error' ? 'error' : 'warning';
      findings.push({ file: currentFile, line: Number(problem[1]), rule, message, severity });
      if (severity === 'error') failing.push(findingName(currentFile, problem[1], rule));
      continue;
    }
    if (line.trim() === '') continue;
    currentFile = FILE_HEADING.test(line) ? displayPath(line, input.cwd) : undefined;
  }

  return recognized ? { counts, failing, recognized, findings } : notRecognized();
}

/** Stylish aligns message and rule id in columns at least two spaces apart; the rule is last. */
function splitRule(messageAndRule: string): { rule: string; message: string } {
  const text = messageAndRule.trim();
  const columns = text.split(/ {2,}/);
  const last = columns.at(-1) ?? '';
  if (columns.length > 1 && RULE_ID.test(last))
    return { rule: last, message: findingMessage(text.slice(0, text.length - last.length)) };
  return { rule: ruleForMessage(text), message: findingMessage(text) };
}

/** Problems without a rule id (parse errors, unused disable directives) still need a stable name. */
export function ruleForMessage(message: string): string {
  if (message.startsWith('Parsing error')) return 'parsing-error';
  if (message.startsWith('Unused eslint-disable')) return 'unused-disable-directive';
  return 'eslint';
}
