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
 * The TypeScript compiler. Its diagnostics look like
 *
 *   src/cart.ts(4,9): error TS2322: Type 'string' is not assignable ...   (plain, not a terminal)
 *   src/cart.ts:4:9 - error TS2322: Type 'string' is not assignable ...   (--pretty)
 *   error TS5083: Cannot read file '/x/tsconfig.json'.                     (no file)
 *
 * and a passing run prints nothing. A finding's message is the rest of its first line: the lines
 * below it (a message chain, --pretty's source excerpt) are context. Only the "TS" code anchors a match: the "Found N errors"
 * summary is no anchor, since mypy and ruff print summaries that begin the same way.
 */

const PLAIN_DIAGNOSTIC = /^(.+?)\((\d+),\d+\): (error|warning) (TS\d+): (.*)$/;
const PRETTY_DIAGNOSTIC = /^(.+?):(\d+):\d+ - (error|warning) (TS\d+): (.*)$/;
const GLOBAL_DIAGNOSTIC = /^(error|warning) (TS\d+): (.*)$/;

export function parseTsc(input: ParserInput): ParserResult {
  if (isSilentSuccess(input)) return silentSuccess();
  const counts = zeroCounts();
  const failing: string[] = [];
  const findings: Finding[] = [];

  for (const line of input.lines) {
    const located = PLAIN_DIAGNOSTIC.exec(line) ?? PRETTY_DIAGNOSTIC.exec(line);
    const global = located ? undefined : GLOBAL_DIAGNOSTIC.exec(line);
    const severity = located?.[3] ?? global?.[1];
    const code = located?.[4] ?? global?.[2];
    if ((severity !== 'error' && severity !== 'warning') || code === undefined) continue;
    const file = located?.[1] ? displayPath(located[1], input.cwd) : '';
    const lineNumber = Number(located?.[2] ?? 0);
    const message = findingMessage(located?.[5] ?? global?.[3] ?? '');
    findings.push({ file, line: lineNumber, rule: code, message, severity });
    if (severity === 'warning') {
      counts.warnings += 1;
      continue;
    }
    counts.errors += 1;
    failing.push(file === '' ? code : findingName(file, lineNumber, code));
  }

  return findings.length > 0 ? { counts, failing, recognized: true, findings } : notRecognized();
}
