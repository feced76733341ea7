import type { EventSpec, Recorder } from '../controller/recorder.js';
import type { UnitLedger } from '../controller/unit-ledger.js';
import type { MergeStatus, RejectClass } from '../events/types.js';
import type { MergeRow } from '../store/merges.js';
import { assertMergeTransition } from './merge-machine.js';

export type MergeOutcome =
  | { status: 'merged'; commit: string }
  | { status: 'rejected'; class: RejectClass }
  | { status: 'interrupted' };

/**
 * The merge requests' records: every move of a request is one transaction and
 * its event, through the state machine; an ending also routes its unit (done,
 * charged, or requeued at no cost).
 */
export class MergeBook {
  constructor(
    private readonly recorder: Recorder,
    private readonly ledger: UnitLedger,
    private readonly runId: number,
    private readonly workingBranch: string,
  ) {}

  get(mergeId: number): MergeRow {
    const row = this.recorder.store.merges.get(mergeId);
    if (!row) throw new Error(`unknown merge request ${mergeId}`);
    return row;
  }

  move(mergeId: number, to: MergeStatus, events: EventSpec[], changes: Partial<MergeRow> = {}): void {
    const current = this.get(mergeId);
    if (current.status === to && to === 'verifying') {
      // Verified again (a bisection step): same state, new candidate.
      this.recorder.record(events, () => this.recorder.store.merges.update(mergeId, changes));
      return;
    }
    assertMergeTransition(mergeId, current.status, to);
    this.recorder.record(events, () =>
      this.recorder.store.merges.update(mergeId, { ...changes, status: to }),
    );
  }

  rebasing(mergeId: number, onto: string): void {
    this.move(mergeId, 'rebasing', [['merge:rebasing', this.ids(mergeId, { onto })]], {
      target_before: onto,
    });
  }

  verifying(mergeId: number, candidate: string): void {
    this.move(mergeId, 'verifying', [['merge:verifying', this.ids(mergeId, { candidate })]], { candidate });
  }

  /** Its commits are in the working branch: the unit is done. */
  merged(mergeId: number, commit: string, promoted: EventSpec[], flaky: string[]): MergeOutcome {
    const request = this.get(mergeId);
    assertMergeTransition(mergeId, request.status, 'merged');
    const before: EventSpec[] = [['merge:merged', this.ids(mergeId, { commit })], ...promoted];
    if (flaky.length > 0) before.push(['merge:flaky', this.ids(mergeId, { commit, checks: flaky })]);
    this.ledger.transition(
      request.unit_id,
      'done',
      `merged into ${this.workingBranch} at ${commit.slice(0, 10)}`,
      {
        before,
        write: () => this.recorder.store.merges.update(mergeId, { status: 'merged', merged_commit: commit }),
      },
    );
    return { status: 'merged', commit };
  }

  /**
   * Rejected: red, regression and unreadable (the candidate made its checks'
   * output unreadable while the target's was readable) cost the unit an
   * attempt; conflict and infrastructure do not.
   */
  reject(mergeId: number, rejectClass: RejectClass, detail: string): MergeOutcome {
    const request = this.get(mergeId);
    assertMergeTransition(mergeId, request.status, 'rejected');
    const event: EventSpec = ['merge:rejected', this.ids(mergeId, { class: rejectClass, detail })];
    const write = (): void =>
      this.recorder.store.merges.update(mergeId, { status: 'rejected', reject_class: rejectClass, detail });
    const feedback = `Attempt rejected by the merge queue (${rejectClass}):\n${detail}`;
    const strike =
      rejectClass === 'red' ||
      rejectClass === 'regression' ||
      rejectClass === 'unreadable' ||
      rejectClass === 'agent-error';
    if (strike) {
      this.ledger.charge(request.unit_id, `merge rejected: ${rejectClass}`, feedback, {
        before: [event],
        write,
      });
    } else {
      this.ledger.requeueWithoutStrike(request.unit_id, `merge rejected: ${rejectClass} (no strike)`, {
        feedback,
        before: [event],
        write,
      });
    }
    return { status: 'rejected', class: rejectClass };
  }

  /** Not a failure: back to queued, the unit keeps merging, to be resumed. */
  interrupt(mergeId: number, reason: string): MergeOutcome {
    const request = this.get(mergeId);
    if (request.status !== 'queued') {
      const message = `merge of ${request.unit_id} paused: ${reason}`;
      this.move(mergeId, 'queued', [['supervisor:warning', { runId: this.runId, message }]]);
    }
    return { status: 'interrupted' };
  }

  ids<T extends object>(mergeId: number, rest: T): { runId: number; mergeId: number; unitId: string } & T {
    return { runId: this.runId, mergeId, unitId: this.get(mergeId).unit_id, ...rest };
  }
}
