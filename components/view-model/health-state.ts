/**
 * The working branch's health as the screen shows it: the latest snapshot per
 * check, the one before it (for the change), and the passing count of the last
 * round (for the Rounds pane's delta).
 *
 * A candidate's snapshot (taken by the merge queue on a rebased branch) is
 * the working branch's only once that exact commit lands; until then it is
 * held aside, one at a time.
 */
import type { GafferEvents } from '../../src/events/types.js';
import type { CheckChange, CheckCounts, CheckState, HealthRow, HealthView } from './types.js';

type SnapshotPayload = GafferEvents['health:snapshot'];

interface CheckEntry {
  state: CheckState;
  exitCode: number | null;
  counts: CheckCounts | null;
  flaky: boolean;
  brokeWith: readonly string[];
}

/** What a round's row learns from its snapshot. */
export interface RoundHealth {
  checksPassed: number;
  checksTotal: number;
  healthDelta: number | null;
}

export class HealthState {
  private current = new Map<string, CheckEntry>();
  private previous = new Map<string, CheckEntry>();
  private commit: string | null = null;
  private label = 'no snapshot yet';
  /** Passing checks in the last round's (or the baseline's) snapshot. */
  private lastRoundPassed: number | null = null;
  private candidate: SnapshotPayload | null = null;

  /** A snapshot event; undefined when it is a candidate's, held aside (nothing visible changed). */
  take(p: SnapshotPayload): RoundHealth | undefined {
    if (p.label === 'candidate') {
      this.candidate = p;
      return undefined;
    }
    this.replace(p, p.label === 'baseline' ? 'baseline' : `round ${p.round ?? '?'}`);
    const passed = p.checks.filter((check) => check.passed).length;
    const delta = this.lastRoundPassed === null ? null : passed - this.lastRoundPassed;
    this.lastRoundPassed = passed;
    return { checksPassed: passed, checksTotal: p.checks.length, healthDelta: delta };
  }

  /** A merge landed `commit`: true when the held candidate snapshot was of it (and is now current). */
  landed(commit: string): boolean {
    if (this.candidate?.commit !== commit) return false;
    this.replace(this.candidate, 'merged');
    this.candidate = null;
    return true;
  }

  build(): HealthView {
    const checks: HealthRow[] = [];
    let passed = 0;
    let failed = 0;
    let errors = 0;
    for (const [name, entry] of this.current) {
      const before = this.previous.get(name);
      const previous = before?.state ?? null;
      checks.push({
        name,
        state: entry.state,
        exitCode: entry.exitCode,
        change: changeOf(previous, entry.state),
        previous,
        counts: entry.counts,
        countsDelta: entry.counts && before?.counts ? countsDelta(entry.counts, before.counts) : null,
        flaky: entry.flaky,
        brokeWith: entry.brokeWith,
      });
      if (entry.state === 'passed') passed += 1;
      else if (entry.state === 'failed') failed += 1;
      else errors += 1;
    }
    for (const [name, entry] of this.previous) {
      if (this.current.has(name)) continue;
      checks.push({
        name,
        state: entry.state,
        exitCode: entry.exitCode,
        change: 'gone',
        previous: entry.state,
        counts: null,
        countsDelta: null,
        flaky: false,
        brokeWith: [],
      });
    }
    return { commit: this.commit, label: this.label, checks, passed, failed, errors };
  }

  private replace(p: SnapshotPayload, label: string): void {
    this.previous = this.current;
    this.current = new Map(
      p.checks.map((check) => [
        check.name,
        {
          state: check.outcome !== 'exited' ? 'error' : check.passed ? 'passed' : 'failed',
          exitCode: check.exitCode,
          counts: check.counts
            ? { passed: check.counts.passed, failed: check.counts.failed, errors: check.counts.errors }
            : null,
          flaky: check.flaky === true,
          brokeWith: unitsOf(p, check.name),
        },
      ]),
    );
    this.commit = p.commit;
    this.label = label;
  }
}

/** The units the snapshot names as the ones a check's failures came with. */
function unitsOf(p: SnapshotPayload, check: string): string[] {
  const units = (p.brokeWith ?? []).filter((entry) => entry.check === check).map((entry) => entry.unitId);
  return [...new Set(units)];
}

function countsDelta(now: CheckCounts, before: CheckCounts): CheckCounts {
  return {
    passed: now.passed - before.passed,
    failed: now.failed - before.failed,
    errors: now.errors - before.errors,
  };
}

function changeOf(previous: CheckState | null, now: CheckState): CheckChange {
  if (previous === null) return 'new';
  if (previous === now) return 'same';
  return now === 'passed' ? 'fixed' : 'broke';
}
