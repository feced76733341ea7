import { displayPath, findingMessage, findingName, notRecognized, zeroCounts } from './output-text.js';
import type { Finding, ParserInput, ParserResult } from './types.js';

/**
 * mypy's default output:
 *
 *   shop/cart.py:5: error: Incompatible types in assignment (...)  [assignment]
 *   shop/orders.py:9: note: Revealed type is "def (price: builtins.float) -> builtins.float"
 *   Found 5 errors in 2 files (checked 4 source files)
 *
 * or "Success: no issues found in 1 source file". Each "error:" is an error and each "warning:"
 * a warning. A "note:" is not counted: notes explain the error above them (or answer
 * reveal_type), so counting them would report one problem two or three times.
 */

// Columns appear only with --show-column-numbers, end positions only with --show-error-end.
const DIAGNOSTIC = /^(.+?):(\d+)(?::\d+)?(?::\d+:\d+)?: (error|warning|note): (.*?)(?: {2}\[([\w-]+)\])?$/;
const SUCCESS = /^Success: no issues found in \d+ source files?$/;
const FOUND =
  /^Found \d+ errors? in \d+ files? \((?:checked \d+ source files?|errors prevented further checking)\)$/;

export function parseMypy(input: ParserInput): ParserResult {
  const counts = zeroCounts();
  const failing: string[] = [];
  const findings: Finding[] = [];
  let sawSummary = false;
  let sawDiagnostic = false;

  for (const line of input.lines) {
    if (SUCCESS.test(line) || FOUND.test(line)) {
      sawSummary = true;
      continue;
    }
    const diagnostic = DIAGNOSTIC.exec(line);
    // Notes alone are no result: without an error or a summary, the output is not mypy's report.
    if (!diagnostic?.[1] || !diagnostic[2] || !diagnostic[3] || diagnostic[3] === 'note') continue;
    sawDiagnostic = true;
    const severity = diagnostic[3] === 'warning' ? 'warning' : 'error';
    const file = displayPath(diagnostic[1], input.cwd);
    // --hide-error-codes drops the "[code]"; the name still needs a rule part.
    const rule = diagnostic[5] ?? severity;
    const message = findingMessage(diagnostic[4] ?? '');
    findings.push({ file, line: Number(diagnostic[2]), rule, message, severity });
    if (severity === 'warning') {
      counts.warnings += 1;
      continue;
    }
    counts.errors += 1;
    failing.push(findingName(file, diagnostic[2], rule));
  }

  return sawSummary || sawDiagnostic ? { counts, failing, recognized: true, findings } : notRecognized();
}
