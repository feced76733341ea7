import { ruleForMessage } from './eslint.js';
import { displayPath, findingMessage, findingName, notRecognized, zeroCounts } from './output-text.js';
import type { Finding, ParserInput, ParserResult } from './types.js';

/**
 * ESLint's `--format json`: one line holding an array with one result per linted file,
 *
 *   [{"filePath":"/abs/src/cart.js","messages":[{"ruleId":"eqeqeq","severity":2,"line":6,...}],
 *     "errorCount":2,"warningCount":2,...}]
 *
 * Severity 2 is an error, 1 a warning; a parse error has "fatal": true and no rule id. The array
 * may share the output with stderr lines (deprecation notices, "too many warnings"), so it is
 * looked for line by line rather than parsed from the whole text.
 */

interface LintMessage {
  ruleId?: string | null;
  severity: number;
  message: string;
  line?: number;
}

interface LintResult {
  filePath: string;
  messages: LintMessage[];
  errorCount: number;
  warningCount: number;
}

export function parseEslintJson(input: ParserInput): ParserResult {
  const results = findResults(input.lines);
  if (results === undefined) return notRecognized();
  const counts = zeroCounts();
  const failing: string[] = [];
  const findings: Finding[] = [];
  for (const result of results) {
    counts.errors += result.errorCount;
    counts.warnings += result.warningCount;
    const file = displayPath(result.filePath, input.cwd);
    for (const message of result.messages) {
      const rule = message.ruleId ?? ruleForMessage(message.message);
      const line = message.line ?? 0;
      // Severity 0 ("off") only appears in suppressed or odd reports: not a finding.
      if (message.severity !== 1 && message.severity !== 2) continue;
      const severity = message.severity === 2 ? 'error' : 'warning';
      findings.push({ file, line, rule, message: findingMessage(message.message), severity });
      if (severity === 'error') failing.push(findingName(file, line, rule));
    }
  }
  return { counts, failing, recognized: true, findings };
}

function findResults(lines: readonly string[]): LintResult[] | undefined {
  const nonBlank = lines.filter((line) => line.trim() !== '');
  for (const line of nonBlank) {
    const text = line.trim();
    if (!text.startsWith('[') || !text.endsWith(']')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      continue;
    }
    if (!Array.isArray(parsed) || !parsed.every(isLintResult)) continue;
    // "[]" (no files linted) is eslint's only when it is all there is: any tool may print "[]".
    if (parsed.length > 0 || nonBlank.length === 1) return parsed;
  }
  return undefined;
}

function isLintResult(value: unknown): value is LintResult {
  if (typeof value !== 'object' || value === null) return false;
  const result = value as Record<string, unknown>;
  return (
    typeof result.filePath === 'string' &&
    Array.isArray(result.messages) &&
    result.messages.every(isLintMessage) &&
    typeof result.errorCount === 'number' &&
    typeof result.warningCount === 'number'
  );
}

function isLintMessage(value: unknown): value is LintMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  return (
    (typeof message.ruleId === 'string' || message.ruleId === null || message.ruleId === undefined) &&
    typeof message.severity === 'number' &&
    typeof message.message === 'string'
  );
}
