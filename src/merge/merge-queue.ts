import path from 'node:path';
import type { MergeStatus, RejectClass } from '../events/types.js';
import { branchTip, compareAndSwapBranch, tryGit } from '../git/git.js';
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
      const target = await branchTip(repo, branches.working);
      const tip = await branchTip(repo, request.branch);
      if (!target || !tip) {
        return this.reject(
          request,
          'infrastructure',
          `branch ${!target ? branches.working : request.branch} is missing`,
          false,
        );
      }
      this.move(request, 'rebasing', [['merge:rebasing', this.ids(request, { onto: target })]], {
        target_before: target,
      });
      await worktree.repair();
      await worktree.checkout(tip);
      const rebase = await tryGit(worktree.path, ['rebase', '--no-autosquash', target]);
      if (rebase.exitCode !== 0) {
        const conflicted = (
          await tryGit(worktree.path, ['diff', '--name-only', '--diff-filter=U'])
        ).stdout.trim();
        await worktree.repair();
        const paths = conflicted === '' ? '(git named no paths)' : conflicted.split('\n').join(', ');
        return this.reject(
          request,
          'conflict',
          `rebase onto ${branches.working} conflicted in: ${paths}`,
          false,
        );
      }
      const candidate = await worktree.head();
      if (candidate === target) return this.land(request, target, candidate, undefined);
      this.move(request, 'verifying', [['merge:verifying', this.ids(request, { candidate })]], { candidate });
      const snapshot = await this.verify(request, candidate);
      if (this.options.signal.aborted) return this.interrupt(mergeId, 'the supervisor is stopping');
      const broken = infrastructureFailures(snapshot);
      if (broken.length > 0) {
        const names = broken.map((check) => `${check.name} (${check.outcome})`).join(', ');
        return this.reject(
          request,
          'infrastructure',
          `checks gave no verdict: ${names}\n${failureDetail(snapshot)}`,
          false,
        );
      }
      if (!gatePassed(snapshot)) return this.reject(request, 'red', failureDetail(snapshot), true);
      if (
        await compareAndSwapBranch(
          repo,
          branches.working,
          candidate,
          target,
          `gaffer: merge ${request.unit_id}`,
        )
      ) {
        return this.land(request, target, candidate, snapshot);
      }
    }
    return this.interrupt(mergeId, `${branches.working} kept moving during verification`);
  }

  private async verify(request: MergeRow, candidate: string): Promise<Snapshot> {
    const checks = this.options.checksFor(request.unit_id);
    const cached = this.options.recorder.store.health.forCommit(candidate, checksKey(checks));
    if (cached) return cached;
    this.verifications += 1;
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

  /** Working has moved to the candidate: the unit is done; green follows when every check passed. */
  private async land(
    request: MergeRow,
    target: string,
    commit: string,
    snapshot: Snapshot | undefined,
  ): Promise<MergeOutcome> {
    const { recorder, ledger, runId, repo, branches } = this.options;
    assertMergeTransition(request.id, this.request(request.id).status, 'merged');
    ledger.transition(request.unit_id, 'done', `merged into ${branches.working} at ${commit.slice(0, 10)}`, {
      before: [
        ['merge:merged', this.ids(request, { commit })],
        ...(commit === target
          ? []
          : ([
              [
                'branch:promoted',
                { runId, branch: branches.working, role: 'working', from: target, to: commit },
              ],
            ] as EventSpec[])),
      ],
      write: () => recorder.store.merges.update(request.id, { status: 'merged', merged_commit: commit }),
    });
    if (snapshot?.passed) {
      const green = (await branchTip(repo, branches.green)) ?? null;
      if (
        green !== commit &&
        (await compareAndSwapBranch(
          repo,
          branches.green,
          commit,
          green,
          `gaffer: verified ${request.unit_id}`,
        ))
      ) {
        recorder.record([
          ['branch:promoted', { runId, branch: branches.green, role: 'green', from: green, to: commit }],
        ]);
      }
    }
    // Its merge has ended: only now may the attempt's branch go.
    await this.options.workspaces.deleteBranch(request.branch);
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
