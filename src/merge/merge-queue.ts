import type { EventSpec, Recorder } from '../controller/recorder.js';
import { errorMessage } from '../errors.js';
import { chaosStep } from '../util/chaos-step.js';
import { updateRefs, type RefUpdate } from '../git/git.js';
import { checksKey, infrastructureFailures, unreadableChecks, type CheckSpec } from '../health/run-checks.js';
import { snapshotEvent } from '../health/snapshot-event.js';
import { attributionWords, brokeWith, runAttributions } from '../health/attribution.js';
import type { Snapshot } from '../store/health.js';
import { checkpoints } from './checkpoints.js';
import { conflictDetail } from './conflict-detail.js';
import type { BranchGuard } from './branch-guard.js';
import type { MergeBook, MergeOutcome } from './merge-book.js';
import type { QueueWorkspace } from './queue-workspace.js';
import { VerifierPool } from './verifier-pool.js';
import { greenDecision, judge, type Verdict } from './verdict.js';

export type { MergeOutcome } from './merge-book.js';

export interface MergeQueueOptions {
  recorder: Recorder;
  /** The requests' records; what an ending means for its unit is the book's settler's (the controller's). */
  book: MergeBook;
  runId: number;
  repo: string;
  branches: { working: string; green: string };
  /** The verification slots, each a workspace of its own (`merge.verifiers`); the first is the mission's. */
  workspaces: readonly QueueWorkspace[];
  /** Compares the branches and the repository with what gaffer knows, before each batch. */
  guard: BranchGuard;
  checksFor: (unitId: string) => readonly CheckSpec[];
  /** The configured checks: green moves only on a commit verified with these. */
  greenChecks: readonly CheckSpec[];
  /** Candidates landed together at most (the most a pass leaves unverified between two verified commits); 1 is serial. */
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

/** The shortest prefix of a stack known to fail on its target: its length, verdict and snapshot. */
interface Failure {
  length: number;
  verdict: Exclude<Verdict, { kind: 'pass' }>;
  snapshot: Snapshot;
}

// A target that keeps moving under verified candidates means another writer;
// after this many re-verifications a request goes back to the queue.
const MAX_TARGET_RACES = 3;

/**
 * The merge queue. Waiting candidates are stacked (each rebased onto the one
 * below, the first onto the working branch), up to `batchSize` per verifier,
 * and prefixes of the stack are verified, up to one per verifier at once (see
 * `settle`): the longest passing prefix lands, a failing one is searched
 * inside until its culprit stands alone, and the rest is stacked again on
 * what landed. A lone failure is run once more (`confirmFailures`), whether
 * it came alone or out of a batch: passing then, it is flaky and lands, said
 * out loud. Branches move only through the guard, by compare-and-swap to
 * verified commits, in the queue's order: working to the top of what landed,
 * green too when every gating check passed and nothing regressed against
 * green. Before each batch the guard compares the branches with its record:
 * a foreign move stops the queue.
 */
export class MergeQueue {
  private readonly book: MergeBook;
  private readonly pool: VerifierPool;
  private readonly waiting: Waiting[] = [];
  private draining: Promise<void> | undefined;
  private verifications = 0;
  private stopped: string | undefined;
  private lastHeld: string | undefined;

  constructor(private readonly options: MergeQueueOptions) {
    this.book = options.book;
    this.pool = new VerifierPool(options.workspaces);
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
        this.pool.markBroken();
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

  /** The oldest waiting requests that share one set of checks, up to a batch for each verifier. */
  private takeBatch(): Waiting[] {
    const first = this.waiting[0];
    if (!first) return [];
    const key = checksKey(this.checksOf(first));
    const batch: Waiting[] = [];
    const most = this.options.batchSize * this.pool.size;
    for (let index = 0; index < this.waiting.length && batch.length < most;) {
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
    const stack = await this.stackOn(batch, target);
    if (stack.length > 0) await this.settle(stack, target);
  }

  /** Rebases each candidate onto the one below, then marks the stack as being verified. */
  private async stackOn(entries: readonly Waiting[], target: string): Promise<Stacked[]> {
    const stack = await this.buildStack(entries, target);
    for (const item of stack) this.book.verifying(item.entry.mergeId, item.commit);
    return stack;
  }

  /**
   * Rebases each candidate onto the one below, in one verification slot. One
   * that does not apply is rejected on its own; on speculation nothing is
   * settled, and the stack ends below it.
   */
  private async buildStack(
    batch: readonly Waiting[],
    target: string,
    { speculative = false } = {},
  ): Promise<Stacked[]> {
    return this.pool.use(async (workspace) => {
      const stack: Stacked[] = [];
      let onto = target;
      for (const entry of batch) {
        const request = this.book.get(entry.mergeId);
        const attempt = this.options.recorder.store.attempts.get(request.attempt_id);
        const tip = attempt?.head_commit;
        if (!attempt || !tip) {
          if (speculative) break;
          entry.settle(
            this.book.reject(entry.mergeId, 'infrastructure', `branch ${request.branch} is missing`),
          );
          continue;
        }
        if (!speculative) this.book.rebasing(entry.mergeId, onto);
        const rebased = await workspace.rebase(onto, attempt.base_commit, tip);
        if (!rebased.ok) {
          if (speculative) break;
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
    });
  }

  /**
   * Lands what verifies of a stack standing on the working tip, strictly in
   * the stack's order. Each pass verifies the tops of up to `verifiers`
   * prefixes at once (each in a workspace of its own; the target's own
   * snapshot too when the store has none) and judges every known result
   * against the commit it would land on: the longest passing prefix lands;
   * the first failing one is searched inside, until one candidate is left
   * on top of what landed (checks that gave no verdict, twice, count as a
   * failure here: the search finds the candidate that makes them hang, and
   * only that one goes back without a strike). That one runs once more on
   * the same commit before it is called red (`confirmFailures`); meanwhile
   * the candidates above it are rebased onto what landed and verified there,
   * on speculation that it is rejected. A rebase is a function of its commits and its base (the
   * committer date is the author's), so the stack built again after the
   * rejection is the one verified, and the store's snapshots are reused. With
   * one verifier the passes are a bisection. Green moves only in `land`, to a
   * verified commit, by compare-and-swap.
   */
  private async settle(initial: Stacked[], initialTarget: string): Promise<void> {
    let stack = initial;
    let target = initialTarget;
    const checks = this.checksOf(stack[0]?.entry as Waiting);
    // This settle's own results, the last word on a commit (an infrastructure result after its re-run included).
    const seen = new Map<string, Snapshot>();
    const known = (commit: string): Snapshot | undefined => seen.get(commit) ?? this.stored(commit, checks);
    while (stack.length > 0) {
      if (this.options.signal.aborted) return this.requeue(stack, 'the supervisor is stopping');
      const before = known(target);
      const found = before ? this.scan(stack, before, known) : { passed: 0 };
      if (found.passed > 0) {
        const top = stack[found.passed - 1] as Stacked;
        const landed = await this.land(
          stack.slice(0, found.passed),
          target,
          known(top.commit) as Snapshot,
          [],
        );
        if (landed !== 'landed') return this.stopLanding(stack, landed);
        stack = stack.slice(found.passed);
        target = top.commit;
        continue;
      }
      const failure = found.failure;
      if (failure?.length === 1) {
        const next = await this.confirm(stack, target, before as Snapshot, failure, checks, seen);
        if (next === 'stopped') return;
        ({ stack, target } = next);
        continue;
      }
      const slots = this.pool.size - (before ? 0 : 1);
      const lengths = checkpoints(
        failure?.length ?? stack.length,
        failure !== undefined,
        slots,
        this.options.batchSize,
      ).filter((length) => known((stack[length - 1] as Stacked).commit) === undefined);
      await this.verifyPrefixes(stack, target, lengths, checks, seen);
    }
  }

  /**
   * What the known results say, bottom up: the longest prefix whose top
   * passes with nothing failing below it, or else the shortest failing one.
   */
  private scan(
    stack: readonly Stacked[],
    before: Snapshot,
    known: (commit: string) => Snapshot | undefined,
  ): { passed: number; failure?: Failure } {
    let passed = 0;
    for (let length = 1; length <= stack.length; length += 1) {
      const snapshot = known((stack[length - 1] as Stacked).commit);
      if (!snapshot) continue;
      const verdict = this.judgeAgainst(before, snapshot);
      if (verdict.kind === 'pass') passed = length;
      else if (passed === 0) return { passed, failure: { length, verdict, snapshot } };
      else break;
    }
    return { passed };
  }

  /**
   * The target's snapshot when the store has none, and the given prefixes'
   * tops, all at once. A run that gave no verdict runs once more (no strike:
   * a slow or starved machine is not a red test); what it then gives is final.
   */
  private async verifyPrefixes(
    stack: readonly Stacked[],
    target: string,
    lengths: readonly number[],
    checks: readonly CheckSpec[],
    seen: Map<string, Snapshot>,
  ): Promise<void> {
    const before = this.snapshot(target, checks, 'target').then((snapshot) => {
      seen.set(target, snapshot);
      return snapshot;
    });
    const verified = lengths.map(async (length) => {
      const prefix = stack.slice(0, length);
      const commit = (prefix.at(-1) as Stacked).commit;
      const maker = this.makerOf(prefix);
      let after = await this.snapshot(commit, checks, 'candidate', { maker });
      if (this.judgeAgainst(await before, after).kind === 'infrastructure')
        after = await this.snapshot(commit, checks, 'candidate', { fresh: true, maker });
      seen.set(commit, after);
    });
    await Promise.all([before, ...verified]);
  }

  /**
   * The bottom candidate failed on the target: once more on the same commit
   * (`confirmFailures`), while the rest is rebased and verified without it.
   * Passing then, the failure did not reproduce: it lands, marked flaky.
   * Returns the stack left to settle and the commit it stands on, or
   * 'stopped' when landing stopped.
   */
  private async confirm(
    stack: Stacked[],
    target: string,
    before: Snapshot,
    failure: Failure,
    checks: readonly CheckSpec[],
    seen: Map<string, Snapshot>,
  ): Promise<{ stack: Stacked[]; target: string } | 'stopped'> {
    const [culprit, ...rest] = stack as [Stacked, ...Stacked[]];
    let verdict = failure.verdict;
    // A run that gave no verdict has had its second run already.
    if (this.options.confirmFailures && verdict.kind !== 'infrastructure') {
      const maker = this.makerOf([culprit]);
      const [rerun] = await Promise.all([
        this.snapshot(culprit.commit, checks, 'candidate', { fresh: true, maker }),
        this.speculate(rest, target, checks),
      ]);
      if (this.options.signal.aborted) {
        this.requeue(stack, 'the supervisor is stopping');
        return 'stopped';
      }
      const again = this.judgeAgainst(before, rerun);
      if (again.kind === 'pass') {
        const flaky = failingGates(failure.snapshot);
        const passed = markFlaky(rerun, flaky);
        // The commit's last word is now this pass: what lands on it is judged against it, not the failure.
        seen.set(culprit.commit, passed);
        const landed = await this.land([culprit], target, passed, flaky);
        if (landed !== 'landed') {
          this.stopLanding(stack, landed);
          return 'stopped';
        }
        return { stack: rest, target: culprit.commit };
      }
      if (again.kind !== 'infrastructure') verdict = again;
    }
    this.settleSafely(culprit.entry, () =>
      this.book.reject(culprit.entry.mergeId, verdict.kind, verdict.detail),
    );
    const open = rest.filter((item) => this.isOpen(item.entry.mergeId));
    const entries = open.map((item) => item.entry);
    return { stack: entries.length > 0 ? await this.stackOn(entries, target) : [], target };
  }

  /**
   * With verifiers to spare, the candidates above a failure being confirmed
   * are rebased onto the target without it and their prefixes verified, so
   * their results are in the store when the failure is confirmed. Nothing is
   * settled here: a rebase that does not apply ends the speculation.
   */
  private async speculate(
    rest: readonly Stacked[],
    target: string,
    checks: readonly CheckSpec[],
  ): Promise<void> {
    const slots = this.pool.size - 1;
    if (slots < 1 || rest.length === 0) return;
    const speculative = await this.buildStack(
      rest.map((item) => item.entry),
      target,
      { speculative: true },
    );
    const lengths = checkpoints(speculative.length, false, slots, this.options.batchSize).filter(
      (length) => this.stored((speculative[length - 1] as Stacked).commit, checks) === undefined,
    );
    await Promise.all(
      lengths.map((length) => {
        const prefix = speculative.slice(0, length);
        return this.snapshot((prefix.at(-1) as Stacked).commit, checks, 'candidate', {
          maker: this.makerOf(prefix),
        });
      }),
    );
  }

  /** A snapshot in the store for `commit` with these checks, unless it gave no verdict (that one runs again). */
  private stored(commit: string, checks: readonly CheckSpec[]): Snapshot | undefined {
    const snapshot = this.options.recorder.store.health.forCommit(commit, checksKey(checks));
    return snapshot && infrastructureFailures(snapshot).length === 0 ? snapshot : undefined;
  }

  /** Landing stopped: the stack's open requests are paused (tampering) or back in the queue (a race). */
  private stopLanding(stack: readonly Stacked[], why: 'stopped' | 'raced'): void {
    const open = stack.filter((item) => this.isOpen(item.entry.mergeId));
    if (why === 'stopped')
      return this.interruptAll(
        open.map((item) => item.entry),
        this.stopped ?? 'tampering',
      );
    this.requeue(open, `${this.options.branches.working} could not be updated`);
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

  /**
   * Moves working to the verified top (and green with it when it may follow)
   * through the guard, in one guarded ref transaction; then the attempts'
   * branches go (their merges end here). If a guard fails, someone moved a
   * branch: the guard says who ('stopped'); a lock nobody holds that cannot
   * be cleared is a 'raced' target. Either way the caller settles the rest.
   */
  private async land(
    stack: Stacked[],
    target: string,
    snapshot: Snapshot,
    flaky: string[],
  ): Promise<'landed' | 'stopped' | 'raced'> {
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
    // Read before the merges are settled: once they are, the caller may already have moved on.
    const branchesToDelete = stack.map((item) => {
      const request = this.book.get(item.entry.mergeId);
      const head = recorder.store.attempts.get(request.attempt_id)?.head_commit;
      return { branch: request.branch, unitId: request.unit_id, head };
    });
    // The attempts' branches go in the same transaction as working (one git process, not one more
    // per unit): atomic, so a crash leaves both or neither, and the restart finds working holding
    // the candidate and records it merged. A branch someone else moved fails the whole
    // transaction: then working moves alone and the branches go one by one below, as before.
    let deleted: RefUpdate[] = moves.length === 0 ? [] : attemptDeletions(branchesToDelete);
    if (moves.length > 0 && !(await guard.move(moves, deleted, `gaffer: merge ${units}`))) {
      deleted = [];
      if (!(await guard.move(moves, [], `gaffer: merge ${units}`))) {
        if (!(await this.guardHolds())) return 'stopped';
        // The branches are where gaffer left them, yet the update failed: a lock a killed git left is cleared once.
        const cleared = await guard.clearStaleLocks();
        if (cleared.length === 0 || !(await guard.move(moves, [], `gaffer: merge ${units}`))) return 'raced';
      }
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
    stack.forEach((item, index) => {
      const last = index === stack.length - 1;
      this.settleSafely(item.entry, () =>
        this.book.merged(item.entry.mergeId, item.commit, last ? promoted : [], last ? flaky : []),
      );
    });
    chaosStep('merged');
    // Those not already gone with working: recorded first, deleted after (a crash in between leaves a
    // branch the next sweep deletes).
    for (const { branch, unitId, head } of branchesToDelete) {
      if (head && !deleted.some((update) => update.ref === `refs/heads/${branch}`))
        await updateRefs(
          repo,
          [{ ref: `refs/heads/${branch}`, delete: true, from: head }],
          `gaffer: merged ${unitId}`,
        );
    }
    return 'landed';
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
    const { recorder, runId } = this.options;
    if (!options.fresh) {
      const cached = recorder.store.health.forCommit(commit, checksKey(checks));
      if (cached) return cached;
    }
    this.verifications += 1;
    const run = this.verifications;
    const snapshot = await this.pool.use((workspace) =>
      workspace.runChecks(commit, {
        checks,
        logDir: this.options.logDir,
        logPrefix: `${label}-${commit.slice(0, 10)}-${run}`,
        graceMs: this.options.graceMs,
        redact: this.options.redact,
        signal: this.options.signal,
      }),
    );
    // Checks cut short by a stop say nothing about the commit: kept, they would stand for its health.
    if (this.options.signal.aborted) return snapshot;
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

/** The guarded deletions of the attempts' branches that landed (those whose tip gaffer recorded). */
function attemptDeletions(
  branches: readonly { branch: string; head: string | null | undefined }[],
): RefUpdate[] {
  return branches.flatMap(({ branch, head }) =>
    head ? [{ ref: `refs/heads/${branch}`, delete: true as const, from: head }] : [],
  );
}
