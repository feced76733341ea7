import { displayPath, findingMessage, findingName, notRecognized, zeroCounts } from './output-text.js';
import type { Finding, ParserInput, ParserResult } from './types.js';

/**
 * ruff's `ruff check --output-format=concise` (the first line of each finding in the "full" format
 * is the same), from ruff's documentation:
 *
 *   app.py:1:8: F401 [*] `os` imported but unused
 *   app.py:3:1: SyntaxError: Expected an expression
 *   Found 4 errors.
 *   [*] 2 fixable with the `--fix` option.
 *
 * or "All checks passed!". Every finding is an error; its message drops the "[*]" fixable mark. The summary line is anchored whole, since
 * tsc ("Found 4 errors in 2 files.") and mypy ("Found 5 errors in 2 files (...)") start the same.
 */

const FINDING = /^(.+?):(\d+):\d+: ([A-Z]{1,4}\d{2,4}|SyntaxError|invalid-syntax)\b:?(?: \[\*\])?(.*)$/;
const FOUND = /^Found (\d+) errors?(?: \(\d+ fixed, (\d+) remaining\))?\.$/;
const ALL_PASSED = /^All checks passed!$/;

export function parseRuff(input: ParserInput): ParserResult {
  const failing: string[] = [];
  const findings: Finding[] = [];
  let summaryCount: number | undefined;
  let passed = false;

  for (const line of input.lines) {
    if (ALL_PASSED.test(line)) passed = true;
    const found = FOUND.exec(line);
    if (found?.[1]) summaryCount = Number(found[2] ?? found[1]);
    const finding = FINDING.exec(line);
    if (finding?.[1] && finding[2] && finding[3]) {
      const file = displayPath(finding[1], input.cwd);
      const message = findingMessage(finding[4] ?? '');
      findings.push({ file, line: Number(finding[2]), rule: finding[3], message, severity: 'error' });
      failing.push(findingName(file, finding[2], finding[3]));
    }
  }

  if (!passed && summaryCount === undefined && findings.length === 0) return notRecognized();
  // The summary is authoritative when present: --fix prints it with findings already fixed removed.
  const counts = { ...zeroCounts(), errors: summaryCount ?? findings.length };
  return { counts, failing, recognized: true, findings };
}
