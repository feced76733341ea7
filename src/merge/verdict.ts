import { snapshotDelta, type Regression } from '../health/delta.js';
import { failureDetail, infrastructureFailures } from '../health/run-checks.js';
import type { Snapshot } from '../store/health.js';

export type Verdict =
  | { kind: 'pass' }
  | { kind: 'infrastructure'; detail: string }
  | { kind: 'red' | 'regression'; detail: string; regressions: Regression[] };

/**
 * Judges a candidate against the target it would land on. Checks that gave no
 * verdict (killed by their timeout, not startable, ended by a signal) are
 * infrastructure, never red. Otherwise the candidate passes unless it made a
 * gating check worse: `red` when a check that passed on the target fails,
 * `regression` when it is worse in another way (a new failing test or
 * finding, fewer tests run). A failure the target already had is no reason to
 * reject: it was there before (green stays where it is until all pass).
 */
export function judge(target: Snapshot | undefined, candidate: Snapshot): Verdict {
  const broken = infrastructureFailures(candidate);
  if (broken.length > 0) {
    const names = broken.map((check) => `${check.name} (${check.outcome})`).join(', ');
    return {
      kind: 'infrastructure',
      detail: `checks gave no verdict: ${names}\n${failureDetail(candidate)}`,
    };
  }
  const gating = new Set(candidate.checks.filter((check) => check.gate).map((check) => check.name));
  const regressions = snapshotDelta(target, candidate).filter((regression) => gating.has(regression.check));
  if (regressions.length === 0) return { kind: 'pass' };
  const kind = regressions.some((regression) => regression.kind === 'now-fails') ? 'red' : 'regression';
  const listed = regressions.slice(0, 20).map((regression) => `- ${regression.detail}`);
  if (regressions.length > 20) listed.push(`- … and ${regressions.length - 20} more`);
  return { kind, detail: `${listed.join('\n')}\n\n${failureDetail(candidate)}`.trim(), regressions };
}
