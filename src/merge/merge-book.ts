import type { EventSpec, Recorder } from '../controller/recorder.js';
import type { MergeStatus } from '../machines/merge.js';
import type { RejectClass } from '../events/types.js';
import type { MergeChanges, MergeRow } from '../store/merges.js';

export type MergeOutcome =
  | { status: 'merged'; commit: string }
  | { status: 'rejected'; class: RejectClass }
  | { status: 'interrupted' };

/** How a request ended, as the merge queue decided it. */
export type MergeEnding =
  { merged: true; commit: string; reason: string } | { merged: false; class: RejectClass; detail: string };

/**
 * What the ending of a merge means for its unit: the controller's policy
 * (done, a strike, a requeue at no cost). It runs in the same transaction as
 * the ending, with the request's own events and row write as `before` and
 * `write`, so a crash never leaves a merged request with a unit still merging.
 */
export type UnitSettler = (
  unitId: string,
  ending: MergeEnding,
  effects: { before: EventSpec[]; write: () => void },
) => void;

/**
 * The merge requests' records: every move of a request is one transaction and
 * its event, through the merge state machine (src/machines/merge.ts). It
 * decides nothing about units: an ending is handed to the controller's
 * settler.
 */
export class MergeBook {
  constructor(
    private readonly recorder: Recorder,
    private readonly runId: number,
    private readonly workingBranch: string,
    private readonly settleUnit: UnitSettler,
  ) {}

  get(mergeId: number): MergeRow {
    const row = this.recorder.store.merges.get(mergeId);
    if (!row) throw new Error(`unknown merge request ${mergeId}`);
    return row;
  }

  move(mergeId: number, to: MergeStatus, events: EventSpec[], changes: MergeChanges = {}): void {
    const from = this.get(mergeId).status;
    this.recorder.record(events, () => this.recorder.store.merges.move(mergeId, from, to, changes));
  }

  rebasing(mergeId: number, onto: string): void {
    this.move(mergeId, 'rebasing', [['merge:rebasing', this.ids(mergeId, { onto })]], {
      target_before: onto,
    });
  }

  verifying(mergeId: number, candidate: string): void {
    this.move(mergeId, 'verifying', [['merge:verifying', this.ids(mergeId, { candidate })]], { candidate });
  }

  /** Its commits are in the working branch at `commit`. */
  merged(mergeId: number, commit: string, promoted: EventSpec[], flaky: string[]): MergeOutcome {
    const request = this.get(mergeId);
    const before: EventSpec[] = [['merge:merged', this.ids(mergeId, { commit })], ...promoted];
    if (flaky.length > 0) before.push(['merge:flaky', this.ids(mergeId, { commit, checks: flaky })]);
    const reason = `merged into ${this.workingBranch} at ${commit.slice(0, 10)}`;
    this.settleUnit(
      request.unit_id,
      { merged: true, commit, reason },
      {
        before,
        write: () =>
          this.recorder.store.merges.move(mergeId, request.status, 'merged', { merged_commit: commit }),
      },
    );
    return { status: 'merged', commit };
  }

  /** Rejected, for the class the queue found; what it costs the unit is the settler's call. */
  reject(mergeId: number, rejectClass: RejectClass, detail: string): MergeOutcome {
    const request = this.get(mergeId);
    this.settleUnit(
      request.unit_id,
      { merged: false, class: rejectClass, detail },
      {
        before: [['merge:rejected', this.ids(mergeId, { class: rejectClass, detail })]],
        write: () =>
          this.recorder.store.merges.move(mergeId, request.status, 'rejected', {
            reject_class: rejectClass,
            detail,
          }),
      },
    );
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
