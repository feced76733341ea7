import { snapshotDelta, TEST_PARSERS, type Regression } from '../health/delta.js';
import { gatePassed, infrastructureFailures, unreadableChecks } from '../health/run-checks.js';
import type { CheckResult } from '../events/types.js';
import type { Snapshot } from '../store/health.js';

export type Verdict =
  | { kind: 'pass' }
  | { kind: 'infrastructure'; detail: string }
  | { kind: 'unreadable'; detail: string }
  | { kind: 'red' | 'regression'; detail: string; regressions: Regression[] };

const LISTED = 20;
const TAIL_LINES = 30;
const DETAIL_CHARS = 4000;

/**
 * Judges a candidate against the target it would land on, by its gating
 * checks. Checks that gave no verdict (killed by their timeout, not startable,
 * ended by a signal) are infrastructure, never red. A check whose output its
 * parser could not read is unreadable: not verified, so never a pass.
 * Otherwise the candidate passes unless it made a gating check worse: `red`
 * when a check that passed on the target fails, `regression` when it is
 * worse in another way (a new failing test or finding, tests gone). A failure
 * the target already had is no reason to reject: it was there before.
 */
export function judge(target: Snapshot | undefined, candidate: Snapshot): Verdict {
  const broken = infrastructureFailures(candidate);
  if (broken.length > 0) {
    const names = broken.map((check) => `${check.name} (${describeOutcome(check)})`).join(', ');
    return { kind: 'infrastructure', detail: `checks gave no verdict: ${names}\n${tails(broken)}`.trim() };
  }
  const unreadable = unreadableChecks(candidate);
  if (unreadable.length > 0) {
    const lines = unreadable.map(
      (check) => `- ${check.name}: ${check.note ?? 'its output could not be read'} (log ${check.logPath})`,
    );
    return { kind: 'unreadable', detail: `${lines.join('\n')}\n\n${tails(unreadable)}`.trim() };
  }
  const gating = new Set(candidate.checks.filter((check) => check.gate).map((check) => check.name));
  const regressions = snapshotDelta(target, candidate).filter((regression) => gating.has(regression.check));
  if (regressions.length === 0) return { kind: 'pass' };
  const kind = regressions.some((regression) => regression.kind === 'now-fails') ? 'red' : 'regression';
  return { kind, detail: regressionFeedback(target, candidate, regressions), regressions };
}

/**
 * What the next attempt is told: the regressions by name (new failures, tests
 * gone, new findings), then a bounded tail of the test checks that regressed,
 * without the lines about failures the target already had. Lint, type and
 * security findings are named in full, so their raw output is left out.
 */
export function regressionFeedback(
  target: Snapshot | undefined,
  candidate: Snapshot,
  regressions: readonly Regression[],
): string {
  const listed = regressions.slice(0, LISTED).map((regression) => `- ${regression.detail}`);
  if (regressions.length > LISTED) listed.push(`- … and ${regressions.length - LISTED} more`);
  const regressed = new Set(regressions.map((regression) => regression.check));
  const parts: string[] = [];
  for (const check of candidate.checks) {
    if (!regressed.has(check.name)) continue;
    const parser = check.parsed?.parser ?? 'exit-code';
    if (parser !== 'exit-code' && !TEST_PARSERS.has(parser)) continue;
    const known = target?.checks.find((before) => before.name === check.name)?.parsed?.failing ?? [];
    const fresh = check.parsed?.failing.filter((name) => !known.includes(name)) ?? [];
    const tail = withoutKnownFailures(check.tail, known, fresh).slice(-TAIL_LINES).join('\n').trim();
    if (tail !== '')
      parts.push(`check "${check.name}" (exit ${check.exitCode ?? 'none'}), its last lines:\n${tail}`);
  }
  return bounded(`${listed.join('\n')}${parts.length > 0 ? `\n\n${parts.join('\n\n')}` : ''}`);
}

/**
 * Whether green may follow working to this candidate: every gating check
 * passed, and no check (gating or not) regressed against green's own
 * snapshot. A non-gating check that already failed informs but does not hold
 * green back; a gating one does until it passes.
 */
export function greenDecision(
  candidate: Snapshot,
  green: Snapshot | undefined,
): { promote: true } | { promote: false; reason: string } {
  if (!gatePassed(candidate)) {
    const failing = candidate.checks
      .filter((check) => check.gate && !check.passed)
      .map((check) => `${check.name}${check.unreadable ? ' (unreadable)' : ''}`);
    return {
      promote: false,
      reason: `gate check${failing.length === 1 ? '' : 's'} ${failing.join(', ')} fail${failing.length === 1 ? 's' : ''} at ${candidate.commit.slice(0, 10)}: green moves to the first commit on which every gate check passes (a check that is expected to fail for now can be made non-gating with "gate": false)`,
    };
  }
  if (!green) return { promote: true };
  const regressions = snapshotDelta(green, candidate);
  if (regressions.length > 0) {
    const listed = regressions
      .slice(0, 5)
      .map((regression) => regression.detail)
      .join('; ');
    return { promote: false, reason: `worse than green's own snapshot: ${listed}` };
  }
  return { promote: true };
}

/**
 * The tail without the blocks about failures the target already had: a block
 * starts at a line that names a failing test (by its full name, or its last
 * part when that is distinctive) and runs to the next such line. Best effort:
 * the regressions themselves are listed by name above it anyway.
 */
function withoutKnownFailures(
  tail: readonly string[],
  known: readonly string[],
  fresh: readonly string[],
): string[] {
  const mentions = (line: string, names: readonly string[]): boolean =>
    names.some((name) => {
      const last =
        name
          .split(/ > |::/)
          .at(-1)
          ?.trim() ?? '';
      return (name !== '' && line.includes(name)) || (last.length >= 4 && line.includes(last));
    });
  const kept: string[] = [];
  let dropping = false;
  for (const line of tail) {
    if (mentions(line, fresh)) dropping = false;
    else if (mentions(line, known)) dropping = true;
    if (!dropping) kept.push(line);
  }
  return kept;
}

function describeOutcome(check: CheckResult): string {
  if (check.outcome !== 'exited') return check.outcome;
  if (check.exitCode === 127) return 'command not found, exit 127';
  if (check.exitCode === 126) return 'command not runnable, exit 126';
  return `exit ${check.exitCode ?? 'none'}`;
}

function tails(checks: readonly CheckResult[]): string {
  return bounded(
    checks
      .map((check) => `check "${check.name}", its last lines:\n${check.tail.slice(-TAIL_LINES).join('\n')}`)
      .join('\n\n'),
  );
}

function bounded(text: string): string {
  return text.length > DETAIL_CHARS ? `${text.slice(0, DETAIL_CHARS)}\n…` : text;
}
