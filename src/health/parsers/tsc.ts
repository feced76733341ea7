import {
  displayPath,
  findingName,
  isSilentSuccess,
  notRecognized,
  silentSuccess,
  zeroCounts,
} from './output-text.js';
import type { ParserInput, ParserResult } from './types.js';

/**
 * The TypeScript compiler. Its diagnostics look like
 *
 *   src/cart.ts(4,9): error TS2322: Type 'string' is not assignable ...   (plain, not a terminal)
 *   src/cart.ts:4:9 - error TS2322: Type 'string' is not assignable ...   (--pretty)
 *   error TS5083: Cannot read file '/x/tsconfig.json'.                     (no file)
 *
 * and a passing run prints nothing. Only the "TS" code anchors a match: the "Found N errors"
 * summary is no anchor, since mypy and ruff print summaries that begin the same way.
 */

const PLAIN_DIAGNOSTIC = /^(.+?)\((\d+),\d+\): (error|warning) (TS\d+): /;
const PRETTY_DIAGNOSTIC = /^(.+?):(\d+):\d+ - (error|warning) (TS\d+): /;
const GLOBAL_DIAGNOSTIC = /^(error|warning) (TS\d+): /;

export function parseTsc(input: ParserInput): ParserResult {
  if (isSilentSuccess(input)) return silentSuccess();
  const counts = zeroCounts();
  const failing: string[] = [];
  let recognized = false;

  for (const line of input.lines) {
    const located = PLAIN_DIAGNOSTIC.exec(line) ?? PRETTY_DIAGNOSTIC.exec(line);
    const global = located ? undefined : GLOBAL_DIAGNOSTIC.exec(line);
    const severity = located?.[3] ?? global?.[1];
    const code = located?.[4] ?? global?.[2];
    if (severity === undefined || code === undefined) continue;
    recognized = true;
    if (severity === 'warning') {
      counts.warnings += 1;
      continue;
    }
    counts.errors += 1;
    if (located?.[1] && located[2])
      failing.push(findingName(displayPath(located[1], input.cwd), located[2], code));
    else failing.push(code);
  }

  return recognized ? { counts, failing, recognized } : notRecognized();
}
