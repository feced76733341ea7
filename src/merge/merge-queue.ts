import path from 'node:path';
import type { MergeStatus, RejectClass } from '../events/types.js';
import { branchTips, updateRefs, type RefUpdate } from '../git/git.js';
import type { CheckSpec } from '../health/run-checks.js';
import {
  checksKey,
  failureDetail,
  gatePassed,
  infrastructureFailures,
  runChecks,
} from '../health/run-checks.js';
import type { Snapshot } from '../store/health.js';
import type { MergeRow } from '../store/merges.js';
import type { EventSpec, Recorder } from '../controller/recorder.js';
import type { UnitLedger } from '../controller/unit-ledger.js';
import { Mutex } from '../util/mutex.js';
import type { Workspaces } from '../workers/workspaces.js';
import { assertMergeTransition } from './merge-machine.js';
import type { QueueWorktree } from './queue-worktree.js';

export interface MergeQueueOptions {
  recorder: Recorder;
  ledger: UnitLedger;
  runId: number;
  repo: string;
  branches: { working: string; green: string };
  worktree: QueueWorktree;
  workspaces: Workspaces;
  checksFor: (unitId: string) => readonly CheckSpec[];
  logDir: string;
  graceMs: number;
  redact: (line: string) => string;
  signal: AbortSignal;
}

export type MergeOutcome =
  | { status: 'merged'; commit: string }
  | { status: 'rejected'; class: RejectClass }
  | { status: 'interrupted' };

// A target that keeps moving under a verified candidate is a sign of another
// writer; after this many re-verifications the request goes back to the queue.
const MAX_TARGET_RACES = 3;

/**
 * The merge queue, serial: for each request, rebase the attempt's branch onto
 * the working branch in the queue's own worktree, run the checks on exactly
 * that commit, and move the working branch (and green, when every check
 * passed) to it by compare-and-swap. On any failure the worktree is repaired
 * and the unit is routed by the failure's class.
 */
export class MergeQueue {
  private readonly serial = new Mutex();
  private knownTips: Map<string, string> | undefined;
  private verifications = 0;

  constructor(private readonly options: MergeQueueOptions) {}

  get verificationCount(): number {
    return this.verifications;
  }

  enqueue(mergeId: number): Promise<MergeOutcome> {
    return this.serial.run(() => this.process(mergeId));
  }

  private async process(mergeId: number): Promise<MergeOutcome> {
    const { repo, branches, worktree } = this.options;
    for (let race = 0; race < MAX_TARGET_RACES; race += 1) {
      if (this.options.signal.aborted) return this.interrupt(mergeId, 'the supervisor is stopping');
      const request = this.request(mergeId);
      const attempt = this.options.recorder.store.attempts.get(request.attempt_id);
      // The queue is the only writer of working and green: what it last saw is current
      // unless someone else moved them, and then the guarded ref update says so.
      const tips = this.knownTips ?? (await branchTips(repo, [branches.working, branches.green]));
      this.knownTips = tips;
      const target = tips.get(branches.working);
      // The attempt's tip was recorded when it ended; the branch is its fallback.
      const tip = attempt?.head_commit ?? (await branchTips(repo, [request.branch])).get(request.branch);
      if (!target || !tip || !attempt) {
        const missing = !target ? branches.working : request.branch;
        return this.reject(request, 'infrastructure', `branch ${missing} is missing`, false);
      }
      this.move(request, 'rebasing', [['merge:rebasing', this.ids(request, { onto: target })]], {
        target_before: target,
      });
      const rebased = await worktree.rebase(target, attempt.base_commit, tip);
      if (!rebased.ok) {
        if (rebased.conflicted.length === 0) {
          // No conflicted paths: the rebase failed for another reason (a lock, a crash), not the content.
          return this.reject(request, 'infrastructure', `rebase failed: ${rebased.message}`, false);
        }
        const paths = rebased.conflicted.join(', ');
        return this.reject(
          request,
          'conflict',
          `rebase onto ${branches.working} conflicted in: ${paths}`,
          false,
        );
      }
      const candidate = rebased.head;
      const refs = {
        target,
        commit: candidate,
        green: tips.get(branches.green) ?? null,
        branchTip: tip,
      };
      if (candidate === target) {
        // The target already holds these changes: nothing to verify.
        const landed = await this.land(request, refs, undefined);
        if (landed) return landed;
        continue;
      }
      this.move(request, 'verifying', [['merge:verifying', this.ids(request, { candidate })]], { candidate });
      const snapshot = await this.verify(request, candidate);
      if (this.options.signal.aborted) return this.interrupt(mergeId, 'the supervisor is stopping');
      const broken = infrastructureFailures(snapshot);
      if (broken.length > 0) {
        const names = broken.map((check) => `${check.name} (${check.outcome})`).join(', ');
        const detail = `checks gave no verdict: ${names}\n${failureDetail(snapshot)}`;
        return this.reject(request, 'infrastructure', detail, false);
      }
      if (!gatePassed(snapshot)) return this.reject(request, 'red', failureDetail(snapshot), true);
      const outcome = await this.land(request, refs, snapshot);
      if (outcome) return outcome;
      // The working branch moved while the candidate was verified: rebase and verify again.
    }
    return this.interrupt(mergeId, `${branches.working} kept moving during verification`);
  }

  private async verify(request: MergeRow, candidate: string): Promise<Snapshot> {
    const checks = this.options.checksFor(request.unit_id);
    const cached = this.options.recorder.store.health.forCommit(candidate, checksKey(checks));
    if (cached) return cached;
    this.verifications += 1;
    this.options.worktree.markUsed();
    const snapshot = await runChecks({
      cwd: this.options.worktree.path,
      commit: candidate,
      checks,
      logDir: this.options.logDir,
      logPrefix: `merge-${request.id}-${candidate.slice(0, 10)}`,
      graceMs: this.options.graceMs,
      redact: this.options.redact,
      signal: this.options.signal,
    });
    this.options.recorder.record(
      [['health:snapshot', snapshotEvent(this.options.runId, null, 'candidate', snapshot)]],
      () => this.options.recorder.store.health.insert(this.options.runId, null, 'candidate', snapshot),
    );
    return snapshot;
  }

  /**
   * Moves working to the verified commit, green with it when every check
   * passed, and deletes the attempt's branch, all in one ref transaction
   * guarded by the values read before the rebase. Then the unit is done.
   * Undefined when working moved in between (the caller verifies again).
   */
  private async land(
    request: MergeRow,
    refs: { target: string; commit: string; green: string | null; branchTip: string | undefined },
    snapshot: Snapshot | undefined,
  ): Promise<MergeOutcome | undefined> {
    const { repo, branches } = this.options;
    const { target, commit, green, branchTip } = refs;
    const promoteGreen = snapshot?.passed === true && green !== commit;
    const updates: RefUpdate[] = [];
    if (commit !== target) updates.push({ ref: `refs/heads/${branches.working}`, to: commit, from: target });
    if (promoteGreen) updates.push({ ref: `refs/heads/${branches.green}`, to: commit, from: green });
    // Its merge ends here: the branch goes in the same transaction that lands its work.
    if (branchTip) updates.push({ ref: `refs/heads/${request.branch}`, delete: true, from: branchTip });
    if (updates.length > 0 && !(await updateRefs(repo, updates, `gaffer: merge ${request.unit_id}`))) {
      this.knownTips = undefined;
      const now = await branchTips(repo, [branches.working, request.branch]);
      if (now.get(branches.working) !== target) return undefined;
      // Green or the attempt branch moved under us: land working alone, keep the rest as it is.
      if (now.has(request.branch)) await this.options.workspaces.deleteBranch(request.branch);
      const working = updates.filter((update) => update.ref === `refs/heads/${branches.working}`);
      if (working.length > 0 && !(await updateRefs(repo, working, `gaffer: merge ${request.unit_id}`)))
        return undefined;
      return this.record(request, refs, false);
    }
    this.knownTips = new Map([[branches.working, commit]]);
    const greenNow = promoteGreen ? commit : green;
    if (greenNow) this.knownTips.set(branches.green, greenNow);
    return this.record(request, refs, promoteGreen);
  }

  /** The working branch's tip as the queue last moved it (new attempts start there). */
  async workingTip(): Promise<string | undefined> {
    const { repo, branches } = this.options;
    this.knownTips ??= await branchTips(repo, [branches.working, branches.green]);
    return this.knownTips.get(branches.working);
  }

  private record(
    request: MergeRow,
    refs: { target: string; commit: string; green: string | null },
    greenMoved: boolean,
  ): MergeOutcome {
    const { recorder, ledger, runId, branches } = this.options;
    const { target, commit, green } = refs;
    assertMergeTransition(request.id, this.request(request.id).status, 'merged');
    const promoted: EventSpec[] = [];
    if (commit !== target) {
      promoted.push([
        'branch:promoted',
        { runId, branch: branches.working, role: 'working', from: target, to: commit },
      ]);
    }
    if (greenMoved) {
      promoted.push([
        'branch:promoted',
        { runId, branch: branches.green, role: 'green', from: green, to: commit },
      ]);
    }
    ledger.transition(request.unit_id, 'done', `merged into ${branches.working} at ${commit.slice(0, 10)}`, {
      before: [['merge:merged', this.ids(request, { commit })], ...promoted],
      write: () => recorder.store.merges.update(request.id, { status: 'merged', merged_commit: commit }),
    });
    return { status: 'merged', commit };
  }

  private reject(request: MergeRow, rejectClass: RejectClass, detail: string, strike: boolean): MergeOutcome {
    const { ledger, recorder } = this.options;
    const current = this.request(request.id);
    assertMergeTransition(request.id, current.status, 'rejected');
    const event: EventSpec = ['merge:rejected', this.ids(request, { class: rejectClass, detail })];
    const write = (): void =>
      recorder.store.merges.update(request.id, { status: 'rejected', reject_class: rejectClass, detail });
    const feedback = `Attempt rejected by the merge queue (${rejectClass}):\n${detail}`;
    if (strike)
      ledger.charge(request.unit_id, `merge rejected: ${rejectClass}`, feedback, { before: [event], write });
    else
      ledger.requeueWithoutStrike(request.unit_id, `merge rejected: ${rejectClass} (no strike)`, {
        feedback,
        before: [event],
        write,
      });
    return { status: 'rejected', class: rejectClass };
  }

  /** Not a failure: the request goes back to queued and the unit keeps merging, to be resumed. */
  private interrupt(mergeId: number, reason: string): MergeOutcome {
    const request = this.request(mergeId);
    if (request.status !== 'queued') {
      this.move(request, 'queued', [
        [
          'supervisor:warning',
          { runId: this.options.runId, message: `merge of ${request.unit_id} paused: ${reason}` },
        ],
      ]);
    }
    return { status: 'interrupted' };
  }

  private move(
    request: MergeRow,
    to: MergeStatus,
    events: EventSpec[],
    changes: Partial<MergeRow> = {},
  ): void {
    const current = this.request(request.id);
    assertMergeTransition(request.id, current.status, to);
    this.options.recorder.record(events, () =>
      this.options.recorder.store.merges.update(request.id, { ...changes, status: to }),
    );
  }

  private request(mergeId: number): MergeRow {
    const row = this.options.recorder.store.merges.get(mergeId);
    if (!row) throw new Error(`unknown merge request ${mergeId}`);
    return row;
  }

  private ids<T extends object>(
    request: MergeRow,
    rest: T,
  ): { runId: number; mergeId: number; unitId: string } & T {
    return { runId: this.options.runId, mergeId: request.id, unitId: request.unit_id, ...rest };
  }
}

export function snapshotEvent(
  runId: number,
  round: number | null,
  label: 'baseline' | 'candidate' | 'round',
  snapshot: Snapshot,
) {
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
    })),
  };
}

export function logDirFor(stateDir: string, runId: number): string {
  return path.join(stateDir, 'logs', `run-${runId}`);
}
