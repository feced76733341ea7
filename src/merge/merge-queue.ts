import type { EventSpec, Recorder } from '../controller/recorder.js';
import { errorMessage } from '../errors.js';
import { chaosStep } from '../util/chaos-step.js';
import { updateRefs } from '../git/git.js';
import { checksKey, unreadableChecks, type CheckSpec } from '../health/run-checks.js';
import { snapshotEvent } from '../health/snapshot-event.js';
import { attributionWords, brokeWith, runAttributions } from '../health/attribution.js';
import type { Snapshot } from '../store/health.js';
import { conflictDetail } from './conflict-detail.js';
import type { BranchGuard } from './branch-guard.js';
import type { MergeBook, MergeOutcome } from './merge-book.js';
import type { QueueWorkspace } from './queue-workspace.js';
import { greenDecision, judge, type Verdict } from './verdict.js';

export type { MergeOutcome } from './merge-book.js';

export interface MergeQueueOptions {
  recorder: Recorder;
  /** The requests' records; what an ending means for its unit is the book's settler's (the controller's). */
  book: MergeBook;
  runId: number;
  repo: string;
  branches: { working: string; green: string };
  workspace: QueueWorkspace;
  /** Compares the branches and the repository with what gaffer knows, before each batch. */
  guard: BranchGuard;
  checksFor: (unitId: string) => readonly CheckSpec[];
  /** The configured checks: green moves only on a commit verified with these. */
  greenChecks: readonly CheckSpec[];
  /** Candidates verified together at most; 1 is serial. */
  batchSize: number;
  /** A lone candidate's failure is run once more before it is called red. */
  confirmFailures: boolean;
  logDir: string;
  graceMs: number;
  redact: (line: string) => string;
  signal: AbortSignal;
  /** Someone else moved a branch or planted code in the repository: the run must stop. */
  onTampered?: (message: string) => void;
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
 * then the rest on top of what landed, until each culprit stands alone. A
 * lone failure is run once more (`confirmFailures`), whether it came alone or
 * out of a batch: passing then, it is flaky and lands, said out loud.
 * Branches move only through the guard, by compare-and-swap to verified
 * commits: working to the top of what landed, green too when every gating
 * check passed and nothing regressed against green. Before each batch the
 * guard compares the branches with its record: a foreign move stops the queue.
 */
export class MergeQueue {
  private readonly book: MergeBook;
  private readonly waiting: Waiting[] = [];
  private draining: Promise<void> | undefined;
  private verifications = 0;
  private stopped: string | undefined;
  private lastHeld: string | undefined;

  constructor(private readonly options: MergeQueueOptions) {
    this.book = options.book;
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

  /** Resolves when nothing is being merged (never rejects: the drain owns its failures). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** The working branch's tip as gaffer last put it (new attempts start there). */
  workingTip(): string | undefined {
    return this.options.guard.recorded('working');
  }

  private async drain(): Promise<void> {
    // Let the requests enqueued in this same turn join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.waiting.length > 0) {
      let batch: Waiting[] = [];
      try {
        batch = this.takeBatch();
        if (this.options.signal.aborted || this.stopped !== undefined) {
          this.interruptAll(batch, this.stopped ?? 'the supervisor is stopping');
          continue;
        }
        if (!(await this.guardHolds())) {
          this.interruptAll(
            [...batch, ...this.waiting.splice(0)],
            this.stopped ?? 'a branch was tampered with',
          );
          continue;
        }
        await this.process(batch);
      } catch (error) {
        // An unexpected failure (git, the disk): the workspace is rebuilt, the requests end without a strike.
        this.options.workspace.markBroken();
        const reason = `the merge queue failed: ${errorMessage(error)}`;
        for (const entry of batch) {
          this.settleSafely(entry, () =>
            this.isOpen(entry.mergeId)
              ? this.book.reject(entry.mergeId, 'infrastructure', reason)
              : { status: 'interrupted' },
          );
        }
      }
    }
  }

  /** Settles a request whatever happens: if recording its outcome fails, it is paused for a resume. */
  private settleSafely(entry: Waiting, outcome: () => MergeOutcome): void {
    try {
      entry.settle(outcome());
    } catch (error) {
      try {
        this.options.recorder.record([
          [
            'supervisor:warning',
            {
              runId: this.options.runId,
              message: `merge request ${entry.mergeId} could not be recorded: ${errorMessage(error)}`,
            },
          ],
        ]);
      } catch {
        // The store itself is failing: the run's own end reports it.
      }
      entry.settle({ status: 'interrupted' });
    }
  }

  private interruptAll(entries: readonly Waiting[], reason: string): void {
    for (const entry of entries) this.settleSafely(entry, () => this.book.interrupt(entry.mergeId, reason));
  }

  /**
   * True when working and green are where gaffer left them and the
   * repository's hooks and code-running configuration are unchanged (a
   * deleted branch restored from the record included); otherwise the queue
   * stops, and the run with it, for the guard's reason.
   */
  private async guardHolds(): Promise<boolean> {
    const reason = await this.options.guard.inspect();
    if (reason === undefined) return true;
    this.stopped = reason;
    this.options.onTampered?.(reason);
    return false;
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
    const target = this.workingTip();
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
      const tip = attempt?.head_commit;
      if (!attempt || !tip) {
        entry.settle(
          this.book.reject(entry.mergeId, 'infrastructure', `branch ${request.branch} is missing`),
        );
        continue;
      }
      this.book.rebasing(entry.mergeId, onto);
      const rebased = await this.options.workspace.rebase(onto, attempt.base_commit, tip);
      if (!rebased.ok) {
        // No conflicted paths: the rebase failed for another reason (a lock, a crash), not the content.
        const outcome =
          rebased.conflicted.length > 0
            ? this.book.reject(
                entry.mergeId,
                'conflict',
                conflictDetail(this.options.branches.working, rebased.conflicted),
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
   * failed snapshot of the larger stack this one came from; `inferredBad`
   * marks the second half of a failed stack whose first half passed: it must
   * hold a culprit, so it is split without being verified whole.
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
    const maker = this.makerOf(stack);
    let after = top === target ? before : await this.snapshot(top, checks, 'candidate', { maker });
    let verdict = this.judgeAgainst(before, after);
    if (verdict.kind === 'infrastructure') {
      // Once more without a strike: a slow or starved machine is not a red test.
      after = await this.snapshot(top, checks, 'candidate', { fresh: true, maker });
      verdict = this.judgeAgainst(before, after);
    }
    if (this.options.signal.aborted) return this.requeue(stack, 'the supervisor is stopping');
    if (verdict.kind === 'pass') {
      // Alone it passes although the stack it came from failed: that failure did not reproduce.
      const flaky = context.inferredBad && context.parentFailure ? failingGates(context.parentFailure) : [];
      return this.land(stack, target, flaky.length > 0 ? markFlaky(after, flaky) : after, flaky);
    }
    if (verdict.kind === 'infrastructure') return this.rejectAll(stack, verdict);
    if (stack.length > 1) return this.bisect(stack, target, after);
    if (this.options.confirmFailures) {
      // A lone failure, alone from the start or isolated by bisection: once more on the same commit.
      const rerun = await this.snapshot(top, checks, 'candidate', { fresh: true, maker });
      const again = this.judgeAgainst(before, rerun);
      if (again.kind === 'pass') {
        const flaky = failingGates(after);
        return this.land(stack, target, markFlaky(rerun, flaky), flaky);
      }
      if (again.kind !== 'infrastructure') verdict = again;
    }
    return this.rejectAll(stack, verdict);
  }

  /** The unit whose merge would make the stack's top commit, with its attempt's round. */
  private makerOf(stack: readonly Stacked[]): { unitId: string; round: number | null } {
    const request = this.book.get((stack.at(-1) as Stacked).entry.mergeId);
    const round = this.options.recorder.store.attempts.get(request.attempt_id)?.round ?? null;
    return { unitId: request.unit_id, round };
  }

  /**
   * A target whose own output is unreadable cannot judge anyone: no verdict,
   * no strike. A red or regression verdict says, besides, which failures this
   * change brought and which it found, with the unit they came with.
   */
  private judgeAgainst(before: Snapshot, after: Snapshot): Verdict {
    const verdict = this.judgeWithWords(before, after);
    const broken = unreadableChecks(before).map((check) => check.name);
    if (verdict.kind === 'unreadable' && broken.length > 0) {
      return {
        kind: 'infrastructure',
        detail: `the target's own output of ${broken.join(', ')} is unreadable: a check or parser problem, not this candidate's\n${verdict.detail}`,
      };
    }
    return verdict;
  }

  private judgeWithWords(before: Snapshot, after: Snapshot): Verdict {
    const verdict = judge(before, after);
    if (verdict.kind !== 'red' && verdict.kind !== 'regression') return verdict;
    const { recorder, runId } = this.options;
    const words = attributionWords(before, after, runAttributions(recorder.store, runId));
    if (words.length === 0) return verdict;
    return { ...verdict, detail: `${words.join('\n')}\n\n${verdict.detail}` };
  }

  /** The first half, then the rest on top of what landed. */
  private async bisect(stack: Stacked[], target: string, failure: Snapshot | undefined): Promise<void> {
    const half = Math.ceil(stack.length / 2);
    const first = stack.slice(0, half);
    await this.verifyStack(first, target, { parentFailure: failure });
    const rest = stack.slice(half).filter((item) => this.isOpen(item.entry.mergeId));
    if (rest.length === 0) return;
    if (this.stopped !== undefined)
      return this.interruptAll(
        rest.map((item) => item.entry),
        this.stopped,
      );
    const newTarget = this.workingTip() as string;
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
   * Moves working to the verified top (and green with it when it may follow)
   * through the guard, in one guarded ref transaction; then the attempts'
   * branches go (their merges end here). If a guard fails, someone moved a
   * branch: the guard says who, and the stack waits for a resume.
   */
  private async land(stack: Stacked[], target: string, snapshot: Snapshot, flaky: string[]): Promise<void> {
    const { repo, branches, runId, recorder, guard } = this.options;
    // The passing run, with the checks that failed first marked flaky: the record shows it, never hides it.
    if (flaky.length > 0)
      recorder.record([], () => recorder.store.health.insert(runId, null, 'candidate', snapshot));
    const top = (stack.at(-1) as Stacked).commit;
    const green = guard.recorded('green') ?? null;
    const decision = this.greenDecision(snapshot);
    const moves: { role: 'working' | 'green'; to: string }[] = [];
    if (top !== target) moves.push({ role: 'working', to: top });
    const promoteGreen = decision.promote && green !== top;
    if (promoteGreen) moves.push({ role: 'green', to: top });
    const units = stack.map((item) => this.book.get(item.entry.mergeId).unit_id).join(', ');
    if (moves.length > 0 && !(await guard.move(moves, [], `gaffer: merge ${units}`))) {
      if (!(await this.guardHolds()))
        return this.interruptAll(
          stack.map((item) => item.entry),
          this.stopped ?? 'tampering',
        );
      // The branches are where gaffer left them, yet the update failed: a lock a killed git left is cleared once.
      const cleared = await guard.clearStaleLocks();
      if (cleared.length === 0 || !(await guard.move(moves, [], `gaffer: merge ${units}`)))
        return this.requeue(stack, `${branches.working} could not be updated`);
    }
    const promoted: EventSpec[] = [];
    if (top !== target)
      promoted.push([
        'branch:promoted',
        { runId, branch: branches.working, role: 'working', from: target, to: top },
      ]);
    if (promoteGreen) {
      promoted.push([
        'branch:promoted',
        { runId, branch: branches.green, role: 'green', from: green, to: top },
      ]);
      this.lastHeld = undefined;
    } else if (!decision.promote && decision.reason !== this.lastHeld) {
      // Said once per reason: every merge behind the same failing gate would only repeat it.
      this.lastHeld = decision.reason;
      promoted.push(['branch:held', { runId, branch: branches.green, commit: top, reason: decision.reason }]);
    }
    // Read before the merges are settled: once they are, the caller may already have moved on.
    const branchesToDelete = stack.map((item) => {
      const request = this.book.get(item.entry.mergeId);
      const head = recorder.store.attempts.get(request.attempt_id)?.head_commit;
      return { branch: request.branch, unitId: request.unit_id, head };
    });
    stack.forEach((item, index) => {
      const last = index === stack.length - 1;
      this.settleSafely(item.entry, () =>
        this.book.merged(item.entry.mergeId, item.commit, last ? promoted : [], last ? flaky : []),
      );
    });
    chaosStep('merged');
    // Recorded first, deleted after: a crash in between leaves a branch the next sweep deletes.
    for (const { branch, unitId, head } of branchesToDelete) {
      if (head)
        await updateRefs(
          repo,
          [{ ref: `refs/heads/${branch}`, delete: true, from: head }],
          `gaffer: merged ${unitId}`,
        );
    }
  }

  /** Green follows only a commit verified with the configured checks, passing the gate, no worse than green. */
  private greenDecision(snapshot: Snapshot): { promote: true } | { promote: false; reason: string } {
    const key = checksKey(this.options.greenChecks);
    if (snapshot.checksKey !== key)
      return { promote: false, reason: "verified with a unit's own checks, not the configured ones" };
    const green = this.options.guard.recorded('green');
    const greenSnapshot = green ? this.options.recorder.store.health.forCommit(green, key) : undefined;
    return greenDecision(snapshot, greenSnapshot);
  }

  private rejectAll(stack: Stacked[], verdict: Exclude<Verdict, { kind: 'pass' }>): void {
    for (const item of stack)
      this.settleSafely(item.entry, () => this.book.reject(item.entry.mergeId, verdict.kind, verdict.detail));
  }

  /** Back to the front of the queue (the target moved) or, past the limit or when stopping, paused for a resume. */
  private requeue(stack: Stacked[], reason: string): void {
    const again: Waiting[] = [];
    for (const item of stack) {
      item.entry.races += 1;
      if (this.options.signal.aborted || item.entry.races >= MAX_TARGET_RACES) {
        this.settleSafely(item.entry, () => this.book.interrupt(item.entry.mergeId, reason));
      } else again.push(item.entry);
    }
    this.waiting.unshift(...again);
  }

  /** The checks on `commit`, from the store when that commit was verified with the same checks. */
  private async snapshot(
    commit: string,
    checks: readonly CheckSpec[],
    label: 'target' | 'candidate',
    options: { fresh?: boolean; maker?: { unitId: string; round: number | null } } = {},
  ): Promise<Snapshot> {
    const { recorder, runId, workspace } = this.options;
    if (!options.fresh) {
      const cached = recorder.store.health.forCommit(commit, checksKey(checks));
      if (cached) return cached;
    }
    this.verifications += 1;
    const snapshot = await workspace.runChecks(commit, {
      checks,
      logDir: this.options.logDir,
      logPrefix: `${label}-${commit.slice(0, 10)}-${this.verifications}`,
      graceMs: this.options.graceMs,
      redact: this.options.redact,
      signal: this.options.signal,
    });
    const stored = label === 'target' ? 'baseline' : 'candidate';
    // What fails on it, by the unit it was first seen with (this candidate's, if it lands).
    const extra = options.maker ? { snapshot, maker: options.maker } : { snapshot };
    const attributed = brokeWith(snapshot, runAttributions(recorder.store, runId, extra));
    recorder.record([['health:snapshot', snapshotEvent(runId, null, stored, snapshot, attributed)]], () =>
      recorder.store.health.insert(runId, null, stored, snapshot),
    );
    return snapshot;
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
