import type { GafferEvents } from '../events/types.js';
import type { Snapshot } from '../store/health.js';
import type { BrokeWith } from './attribution.js';

/** The `health:snapshot` event for a snapshot: per check its verdict, parsed counts and flaky mark. */
export function snapshotEvent(
  runId: number,
  round: number | null,
  label: 'baseline' | 'candidate' | 'round',
  snapshot: Snapshot,
  brokeWith: readonly BrokeWith[] = [],
): GafferEvents['health:snapshot'] {
  return {
    runId,
    round,
    commit: snapshot.commit,
    label,
    passed: snapshot.passed,
    checks: snapshot.checks.map((check) => ({
      name: check.name,
      passed: check.passed,
      exitCode: check.exitCode,
      outcome: check.outcome,
      ...(check.parsed?.recognized ? { counts: check.parsed.counts } : {}),
      ...(check.flaky ? { flaky: true } : {}),
    })),
    ...(brokeWith.length > 0 ? { brokeWith: [...brokeWith] } : {}),
  };
}
