import type { EventSpec, Recorder } from '../controller/recorder.js';
import type { UnitLedger } from '../controller/unit-ledger.js';
import { branchTips, updateRefs, type RefUpdate } from '../git/git.js';
import { checksKey, runChecks, type CheckSpec } from '../health/run-checks.js';
import { snapshotEvent } from '../health/snapshot-event.js';
import type { Snapshot } from '../store/health.js';
import type { Workspaces } from '../workers/workspaces.js';
import { MergeBook, type MergeOutcome } from './merge-book.js';
import type { QueueWorktree } from './queue-worktree.js';
import { judge, type Verdict } from './verdict.js';

export type { MergeOutcome } from './merge-book.js';

export interface MergeQueueOptions {
  recorder: Recorder;
  ledger: UnitLedger;
  runId: number;
  repo: string;
  branches: { working: string; green: string };
  worktree: QueueWorktree;
  workspaces: Workspaces;
  checksFor: (unitId: string) => readonly CheckSpec[];
  /** Candidates verified together at most; 1 is serial. */
  batchSize: number;
  logDir: string;
  graceMs: number;
  redact: (line: string) => string;
  signal: AbortSignal;
}

interface Waiting {
  mergeId: number;
  races: number;
  settle: (outcome: MergeOutcome) => void;
}

/** A candidate rebased onto the stack below it. */
interface Stacked {
  entry: Waiting;
  commit: string;
}

// A target that keeps moving under verified candidates means another writer;
// after this many re-verifications a request goes back to the queue.
const MAX_TARGET_RACES = 3;

/**
 * The merge queue. Waiting candidates are stacked (each rebased onto the one
 * below, the first onto the working branch) up to `batchSize`, and the top of
 * the stack is verified once. If it passes, the whole stack lands; if not, the
 * stack is bisected: the first half is verified (and lands or splits again),
 * then the rest on top of what landed, until each culprit stands alone and is
 * rejected. A lone failure is run once more: passing then, it is flaky and
 * lands, said out loud. Branches move only by compare-and-swap to verified
 * commits: working to the top of what landed, green too when every check passed.
 */
export class MergeQueue {
  private readonly book: MergeBook;
  private readonly waiting: Waiting[] = [];
  private draining: Promise<void> | undefined;
  private knownTips: Map<string, string> | undefined;
  private verifications = 0;

  constructor(private readonly options: MergeQueueOptions) {
    this.book = new MergeBook(options.recorder, options.ledger, options.runId, options.branches.working);
  }

  /** Check runs so far (targets and candidates, re-runs included). */
  get verificationCount(): number {
    return this.verifications;
  }

  enqueue(mergeId: number): Promise<MergeOutcome> {
    return new Promise((settle) => {
      this.waiting.push({ mergeId, races: 0, settle });
      this.draining ??= this.drain().finally(() => {
        this.draining = undefined;
      });
    });
  }

  /** The working branch's tip as the queue last moved it (new attempts start there). */
  async workingTip(): Promise<string | undefined> {
    return (await this.tips()).get(this.options.branches.working);
  }

  private async drain(): Promise<void> {
    // Let the requests enqueued in this same turn join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.waiting.length > 0) {
      const batch = this.takeBatch();
      try {
        if (this.options.signal.aborted) {
          for (const entry of batch)
            entry.settle(this.book.interrupt(entry.mergeId, 'the supervisor is stopping'));
          continue;
        }
        await this.process(batch);
      } catch (error) {
        // An unexpected failure (git, the disk): the worktree is repaired, the requests go back to the queue.
        this.options.worktree.markBroken();
        const reason = `the merge queue failed: ${error instanceof Error ? error.message : String(error)}`;
        for (const entry of batch) {
          if (!this.isOpen(entry.mergeId)) continue;
          entry.settle(this.book.reject(entry.mergeId, 'infrastructure', reason));
        }
      }
    }
  }

  /** The oldest waiting requests that share one set of checks, up to the batch size. */
  private takeBatch(): Waiting[] {
    const first = this.waiting[0];
    if (!first) return [];
    const key = checksKey(this.checksOf(first));
    const batch: Waiting[] = [];
    for (let index = 0; index < this.waiting.length && batch.length < this.options.batchSize;) {
      const entry = this.waiting[index] as Waiting;
      if (checksKey(this.checksOf(entry)) === key) {
        batch.push(entry);
        this.waiting.splice(index, 1);
      } else index += 1;
    }
    return batch;
  }

  private async process(batch: Waiting[]): Promise<void> {
    const target = (await this.tips()).get(this.options.branches.working);
    if (!target) {
      for (const entry of batch)
        entry.settle(
          this.book.reject(entry.mergeId, 'infrastructure', `${this.options.branches.working} is missing`),
        );
      return;
    }
    const stack = await this.buildStack(batch, target);
    if (stack.length > 0) await this.verifyStack(stack, target);
  }

  /** Rebases each candidate onto the one below; one that does not apply is rejected on its own. */
  private async buildStack(batch: readonly Waiting[], target: string): Promise<Stacked[]> {
    const stack: Stacked[] = [];
    let onto = target;
    for (const entry of batch) {
      const request = this.book.get(entry.mergeId);
      const attempt = this.options.recorder.store.attempts.get(request.attempt_id);
      const tip =
        attempt?.head_commit ?? (await branchTips(this.options.repo, [request.branch])).get(request.branch);
      if (!attempt || !tip) {
        entry.settle(
          this.book.reject(entry.mergeId, 'infrastructure', `branch ${request.branch} is missing`),
        );
        continue;
      }
      this.book.rebasing(entry.mergeId, onto);
      const rebased = await this.options.worktree.rebase(onto, attempt.base_commit, tip);
      if (!rebased.ok) {
        // No conflicted paths: the rebase failed for another reason (a lock, a crash), not the content.
        const outcome =
          rebased.conflicted.length > 0
            ? this.book.reject(
                entry.mergeId,
                'conflict',
                `rebase onto ${this.options.branches.working} conflicted in: ${rebased.conflicted.join(', ')}`,
              )
            : this.book.reject(entry.mergeId, 'infrastructure', `rebase failed: ${rebased.message}`);
        entry.settle(outcome);
        continue;
      }
      onto = rebased.head;
      stack.push({ entry, commit: rebased.head });
    }
    return stack;
  }

  /**
   * Verifies a stack and lands it, or bisects it. `parentFailure` is the
   * failed snapshot of the larger stack this one came from: a failure that
   * shows again here has reproduced (no re-run needed). `inferredBad` marks
   * the second half of a failed stack whose first half passed: it must hold a
   * culprit, so it is split without being verified whole.
   */
  private async verifyStack(
    stack: Stacked[],
    target: string,
    context: { parentFailure?: Snapshot; inferredBad?: boolean } = {},
  ): Promise<void> {
    if (context.inferredBad && stack.length > 1) return this.bisect(stack, target, context.parentFailure);
    const top = (stack.at(-1) as Stacked).commit;
    const checks = this.checksOf(stack[0]?.entry as Waiting);
    for (const item of stack) this.book.verifying(item.entry.mergeId, item.commit);
    const before = await this.snapshot(target, checks, 'target');
    let after = top === target ? before : await this.snapshot(top, checks, 'candidate');
    let verdict = judge(before, after);
    if (verdict.kind === 'infrastructure') {
      // Once more without a strike: a slow or starved machine is not a red test.
      after = await this.snapshot(top, checks, 'candidate', { fresh: true });
      verdict = judge(before, after);
    }
    if (this.options.signal.aborted) return this.requeue(stack, 'the supervisor is stopping');
    if (verdict.kind === 'pass') {
      // Alone it passes although the stack it came from failed: that failure did not reproduce.
      const flaky = context.inferredBad && context.parentFailure ? failingGates(context.parentFailure) : [];
      return this.land(stack, target, flaky.length > 0 ? markFlaky(after, flaky) : after, flaky);
    }
    if (verdict.kind === 'infrastructure') return this.rejectAll(stack, verdict);
    if (stack.length > 1) return this.bisect(stack, target, after);
    if (!context.parentFailure) {
      // A lone failure seen once: run it again to tell a flaky check from a real one.
      const rerun = await this.snapshot(top, checks, 'candidate', { fresh: true });
      if (judge(before, rerun).kind === 'pass') {
        const flaky = failingGates(after);
        return this.land(stack, target, markFlaky(rerun, flaky), flaky);
      }
    }
    return this.rejectAll(stack, verdict);
  }

  /** The first half, then the rest on top of what landed. */
  private async bisect(stack: Stacked[], target: string, failure: Snapshot | undefined): Promise<void> {
    const half = Math.ceil(stack.length / 2);
    const first = stack.slice(0, half);
    await this.verifyStack(first, target, { parentFailure: failure });
    const rest = stack.slice(half).filter((item) => this.isOpen(item.entry.mergeId));
    if (rest.length === 0) return;
    const newTarget = (await this.tips()).get(this.options.branches.working) as string;
    if (newTarget === first.at(-1)?.commit) {
      // All of the first half landed, so the culprit is in the rest.
      return this.verifyStack(rest, newTarget, { parentFailure: failure, inferredBad: true });
    }
    // Some of the first half did not land: the rest is stacked again on what did.
    const rebuilt = await this.buildStack(
      rest.map((item) => item.entry),
      newTarget,
    );
    if (rebuilt.length > 0) await this.verifyStack(rebuilt, newTarget, { parentFailure: failure });
  }

  /**
   * One ref transaction, each ref guarded by the value it had: working to the
   * verified top, green with it when every check passed, and the attempts'
   * branches deleted (their merges end here). If working moved meanwhile, the
   * stack goes back to the queue to be verified again on the new tip.
   */
  private async land(stack: Stacked[], target: string, snapshot: Snapshot, flaky: string[]): Promise<void> {
    const { repo, branches, runId, recorder } = this.options;
    // The passing run, with the checks that failed first marked flaky: the record shows it, never hides it.
    if (flaky.length > 0)
      recorder.record([], () => recorder.store.health.insert(runId, null, 'candidate', snapshot));
    const top = (stack.at(-1) as Stacked).commit;
    const green = (await this.tips()).get(branches.green) ?? null;
    const promoteGreen = snapshot.passed && green !== top;
    const updates: RefUpdate[] = [];
    if (top !== target) updates.push({ ref: `refs/heads/${branches.working}`, to: top, from: target });
    if (promoteGreen) updates.push({ ref: `refs/heads/${branches.green}`, to: top, from: green });
    const deletions: RefUpdate[] = [];
    for (const item of stack) {
      const request = this.book.get(item.entry.mergeId);
      const head = this.options.recorder.store.attempts.get(request.attempt_id)?.head_commit;
      if (head) deletions.push({ ref: `refs/heads/${request.branch}`, delete: true, from: head });
    }
    const reason = `gaffer: merge ${stack.map((item) => this.book.get(item.entry.mergeId).unit_id).join(', ')}`;
    let greenMoved = promoteGreen;
    if (!(await updateRefs(repo, [...updates, ...deletions], reason))) {
      this.knownTips = undefined;
      if ((await this.tips()).get(branches.working) !== target)
        return this.requeue(stack, `${branches.working} moved`);
      // Green or a branch moved under us: land working alone; the branches go one by one.
      const working = updates.filter((update) => update.ref.endsWith(`/${branches.working}`));
      if (working.length > 0 && !(await updateRefs(repo, working, reason)))
        return this.requeue(stack, `${branches.working} moved`);
      for (const item of stack)
        await this.options.workspaces.deleteBranch(this.book.get(item.entry.mergeId).branch);
      greenMoved = false;
    }
    this.knownTips = new Map([[branches.working, top]]);
    const greenNow = greenMoved ? top : green;
    if (greenNow) this.knownTips.set(branches.green, greenNow);
    const promoted: EventSpec[] = [];
    if (top !== target)
      promoted.push([
        'branch:promoted',
        { runId, branch: branches.working, role: 'working', from: target, to: top },
      ]);
    if (greenMoved)
      promoted.push([
        'branch:promoted',
        { runId, branch: branches.green, role: 'green', from: green, to: top },
      ]);
    stack.forEach((item, index) => {
      const events = index === stack.length - 1 ? promoted : [];
      item.entry.settle(
        this.book.merged(item.entry.mergeId, item.commit, events, index === stack.length - 1 ? flaky : []),
      );
    });
  }

  private rejectAll(stack: Stacked[], verdict: Exclude<Verdict, { kind: 'pass' }>): void {
    for (const item of stack)
      item.entry.settle(this.book.reject(item.entry.mergeId, verdict.kind, verdict.detail));
  }

  /** Back to the front of the queue (the target moved) or, past the limit or when stopping, paused for a resume. */
  private requeue(stack: Stacked[], reason: string): void {
    const again: Waiting[] = [];
    for (const item of stack) {
      item.entry.races += 1;
      if (this.options.signal.aborted || item.entry.races >= MAX_TARGET_RACES) {
        item.entry.settle(this.book.interrupt(item.entry.mergeId, reason));
      } else again.push(item.entry);
    }
    this.waiting.unshift(...again);
  }

  /** The checks on `commit`, from the store when that commit was verified with the same checks. */
  private async snapshot(
    commit: string,
    checks: readonly CheckSpec[],
    label: 'target' | 'candidate',
    options: { fresh?: boolean } = {},
  ): Promise<Snapshot> {
    const { recorder, runId, worktree } = this.options;
    if (!options.fresh) {
      const cached = recorder.store.health.forCommit(commit, checksKey(checks));
      if (cached) return cached;
    }
    this.verifications += 1;
    await worktree.checkout(commit);
    worktree.markUsed();
    const snapshot = await runChecks({
      cwd: worktree.path,
      commit,
      checks,
      logDir: this.options.logDir,
      logPrefix: `${label}-${commit.slice(0, 10)}-${this.verifications}`,
      graceMs: this.options.graceMs,
      redact: this.options.redact,
      signal: this.options.signal,
    });
    const stored = label === 'target' ? 'baseline' : 'candidate';
    recorder.record([['health:snapshot', snapshotEvent(runId, null, stored, snapshot)]], () =>
      recorder.store.health.insert(runId, null, stored, snapshot),
    );
    return snapshot;
  }

  private async tips(): Promise<Map<string, string>> {
    const { repo, branches } = this.options;
    // The queue is the only writer of working and green: what it last saw is current
    // unless someone else moved them, and then the guarded ref update says so.
    this.knownTips ??= await branchTips(repo, [branches.working, branches.green]);
    return this.knownTips;
  }

  private checksOf(entry: Waiting): readonly CheckSpec[] {
    return this.options.checksFor(this.book.get(entry.mergeId).unit_id);
  }

  private isOpen(mergeId: number): boolean {
    const status = this.book.get(mergeId).status;
    return status !== 'merged' && status !== 'rejected';
  }
}

function failingGates(snapshot: Snapshot): string[] {
  return snapshot.checks.filter((check) => check.gate && !check.passed).map((check) => check.name);
}

function markFlaky(snapshot: Snapshot, flaky: readonly string[]): Snapshot {
  return {
    ...snapshot,
    checks: snapshot.checks.map((check) => (flaky.includes(check.name) ? { ...check, flaky: true } : check)),
  };
}
