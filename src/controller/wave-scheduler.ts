import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { MergeQueue } from '../merge/merge-queue.js';
import type { Unit } from '../plan/schema.js';
import { chaosStep } from '../util/chaos-step.js';
import { redact } from '../util/redact.js';
import type { Usage } from '../workers/agents/types.js';
import { attemptVariables } from '../workers/agent-env.js';
import { runAttempt, type AttemptReport } from '../workers/attempt.js';
import { processIdentity } from '../workers/process-group.js';
import { RingBuffer } from '../workers/ring-buffer.js';
import { prepareWorkspace, type SetupResult } from '../workers/workspace-setup.js';
import type { Workspaces } from '../workers/workspaces.js';
import type { HostPool } from '../hosts/host-pool.js';
import { HostLost, type AttemptPlace, type WorkerHost } from '../hosts/worker-host.js';
import { describeBudgetReached, type Budget, type BudgetReached } from './budget.js';
import { BudgetGate } from './budget-gate.js';
import { InfraBackoff } from './infra-backoff.js';
import { planNextAttempt, type NextAttempt } from './next-attempt.js';
import { OverlapGuard } from './overlaps.js';
import type { EventSpec, Recorder } from './recorder.js';
import type { SchedulingView, UnitLedger } from './unit-ledger.js';

export interface SchedulerOptions {
  recorder: Recorder;
  ledger: UnitLedger;
  queue: MergeQueue;
  workspaces: Workspaces;
  /** The attempt slots of this machine and the worker hosts. */
  pool: HostPool;
  runId: number;
  repo: string;
  stateDir: string;
  config: Config;
  /** The run's unit specs, live: a plan edit or discovery changes them while the run goes on. */
  units: ReadonlyMap<string, Unit>;
  /** The plan's objective as it is now: every cold prompt starts with it. */
  objective: () => string | undefined;
  signal: AbortSignal;
  /** The run's spending against `config.budget`: checked before each attempt and as usage comes in. */
  budget: Budget;
  /** An agent cannot authenticate (not logged in, a bad key): the run must stop before every unit burns an attempt. */
  onAgentConfigError: (message: string) => void;
}

export interface LiveAttempt {
  unitId: string;
  attempt: number;
  controller: AbortController;
  ring: RingBuffer;
  logPath: string;
  /** Where it runs: 'local' or a worker host's name. */
  host: string;
  /** performance.now() at the start, for elapsed times. */
  startedAt: number;
  /** Set when a budget limit ended this attempt (`onLimit: 'stop'`). */
  budgetStop?: BudgetReached;
}

const FEEDBACK_TAIL_LINES = 30;

/** A pass that cannot start anything (stopping, paused, every slot taken) reads no units. */
const NOTHING_OPEN: SchedulingView = { open: [], isDone: () => false };

/**
 * The scheduler of a round's waves: starts an attempt for every ready unit
 * (pending, its dependencies done, no counted attempt this round) up to the
 * concurrency limit, hands each finished attempt to the unit policy (the
 * merge queue, a strike, a requeue) and waits for the merges it started. A
 * round ends when nothing runs, nothing merges and no unit is ready.
 */
export class WaveScheduler {
  private readonly live = new Map<string, LiveAttempt>();
  private readonly starting = new Set<string>();
  private inFlight = new Set<Promise<void>>();
  private paused = false;
  private round = 0;
  private wakeUp: (() => void) | undefined;
  private readonly backoff: InfraBackoff;
  private readonly budget: BudgetGate;
  private readonly overlaps: OverlapGuard;
  /** Units already told they wait for a host, so the warning is said once. */
  private readonly hostWarned = new Set<string>();

  constructor(private readonly options: SchedulerOptions) {
    this.backoff = new InfraBackoff(options.config.retryBackoffMs);
    this.overlaps = new OverlapGuard({
      recorder: options.recorder,
      runId: options.runId,
      repo: options.repo,
      hintsOf: (unitId) => this.options.units.get(unitId)?.files,
      dependenciesOf: (unitId) => options.ledger.dependenciesOf(unitId),
      hasDependents: (unitId) => options.ledger.hasDependents(unitId),
      dependencyEpoch: () => options.ledger.dependencyEpoch,
    });
    this.budget = new BudgetGate(options.budget, options.recorder, options.ledger, options.runId);
    options.signal.addEventListener('abort', () => {
      for (const attempt of this.live.values()) {
        attempt.controller.abort(new Error('the supervisor is stopping'));
      }
      this.wake();
    });
  }

  /** The live attempts, for views: unit, attempt number, ring buffer and log. */
  liveAttempts(): readonly LiveAttempt[] {
    return [...this.live.values()];
  }

  async runRound(round: number, resumedMerges: readonly number[]): Promise<void> {
    this.inFlight = new Set();
    this.round = round;
    for (const mergeId of resumedMerges) this.track(this.merge(mergeId));
    for (;;) {
      const stopping = this.options.signal.aborted;
      // One read of every unit's status per pass, shared by both questions (a 1,000-unit run read it
      // twice), and none while every slot is taken: nothing could start.
      const slotFree = this.options.pool.hasFreeSlot();
      const view =
        !stopping && !this.paused && slotFree ? this.options.ledger.schedulingView() : NOTHING_OPEN;
      const ready = this.readyUnits(round, view);
      if (ready.length > 0 && this.overlaps.stale) {
        // A merge landed: its changed files are read first, then everything is looked at again.
        await this.overlaps.refresh();
        continue;
      }
      let waitingForHost = false;
      if (ready.length > 0 && !this.budget.runSpent(this.live.size)) {
        const admission = this.overlaps.admission(round, this.occupiedUnits(view));
        for (const unitId of ready) {
          if (!this.options.pool.hasFreeSlot()) break;
          if (this.budget.unitSpent(unitId)) continue;
          const host = this.placeUnit(unitId);
          if (host === undefined) {
            waitingForHost ||= this.options.pool.waitingFor(this.options.units.get(unitId)?.host);
            continue;
          }
          if (!admission.admit(unitId)) continue;
          this.track(this.launch(unitId, round, host));
        }
      }
      // Nothing running and nothing started: the round is over, unless paused (then wait for resume or
      // quit) or a unit waits for a host that is reconnecting (its state change wakes the round).
      if (this.inFlight.size === 0 && (stopping || (!this.paused && !waitingForHost))) return;
      await Promise.race([...this.inFlight, this.nextWake()]);
    }
  }

  /** The round being run (0 before the first). */
  get currentRound(): number {
    return this.round;
  }

  /** Paused: running attempts and merges go on, no new attempt starts. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    this.wake();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Makes the scheduler look again (a resume, an operator's retry, a stop). */
  wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  private nextWake(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = resolve;
    });
  }

  private track(work: Promise<void>): void {
    const tracked: Promise<void> = work
      .catch((error: unknown) => {
        // A failed store ends the mission through the recorder's own path; nothing more can be said here.
        if (this.options.recorder.failure) return;
        try {
          this.options.recorder.record([
            ['supervisor:warning', { runId: this.options.runId, message: redact(describe(error)) }],
          ]);
        } catch {
          // The store failed while saying it: the recorder's failure stops the run.
        }
      })
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Units whose files a ready unit must not touch at the same time: running, starting, or with a merge in flight. */
  private occupiedUnits(view: SchedulingView): string[] {
    const merging = view.open.filter((unit) => unit.status === 'merging').map((unit) => unit.id);
    return [...new Set([...this.live.keys(), ...this.starting, ...merging])];
  }

  /** Pending units whose dependencies are all done and that have not had their attempt this round. */
  private readyUnits(round: number, view: SchedulingView): string[] {
    const { ledger } = this.options;
    // A fixup not yet landed goes first: new work would be judged against a red working branch.
    const fixupFirst = view.open.some(
      (unit) =>
        unit.origin === 'fixup' &&
        (unit.status === 'pending' || unit.status === 'running' || unit.status === 'merging'),
    );
    return view.open
      .filter(
        (unit) =>
          unit.status === 'pending' &&
          (!fixupFirst || unit.origin === 'fixup' || unit.attempts > 0) &&
          unit.last_round < round &&
          !this.starting.has(unit.id) &&
          !this.backoff.waiting(unit.id) &&
          ledger.dependenciesOf(unit.id).every((dep) => view.isDone(dep)),
      )
      .map((unit) => unit.id);
  }

  /**
   * The host of a unit's next attempt, when a slot it may use is free. A unit
   * that asks for a host no configured host answers to, or whose host is
   * down, is said once.
   */
  private placeUnit(unitId: string): WorkerHost | undefined {
    const { pool, runId, recorder } = this.options;
    const request = this.options.units.get(unitId)?.host;
    const host = pool.place(request);
    if (host !== undefined || request === undefined || this.hostWarned.has(unitId)) return host;
    let message: string | undefined;
    if (!pool.known(request)) {
      message = `${unitId} asks for host "${request}", which no configured host (or "local" with slots) answers to: it cannot run; change its host in the plan or add the host to the config's hosts`;
    } else if (
      pool.waitingFor(request) &&
      !pool.hosts.some((each) => each.state === 'up' && each.labels.includes(request))
    ) {
      const reasons = pool.hosts
        .filter((each) => each.labels.includes(request) && each.downReason !== undefined)
        .map((each) => `${each.name}: ${each.downReason ?? ''}`);
      message = `${unitId} waits for host "${request}", which is not up${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}`;
    }
    if (message !== undefined) {
      this.hostWarned.add(unitId);
      recorder.record([['supervisor:warning', { runId, message: redact(message) }]]);
    }
    return host;
  }

  private async launch(unitId: string, round: number, host: WorkerHost): Promise<void> {
    const { ledger, recorder, pool, runId, stateDir, config } = this.options;
    this.starting.add(unitId);
    // Taken before the first wait: the next pass of the loop sees the slot as busy.
    pool.take(host);
    this.hostWarned.delete(unitId);
    let place: AttemptPlace;
    let baseCommit: string;
    const unit = ledger.get(unitId);
    const attempt = unit.attempts + 1;
    const agent = this.options.units.get(unitId)?.agent ?? config.agent;
    let next: NextAttempt;
    try {
      next = planNextAttempt(recorder.store, {
        runId,
        unitId,
        unit: {
          id: unitId,
          title: unit.title,
          prompt: this.options.units.get(unitId)?.prompt ?? unit.prompt,
        },
        objective: this.options.objective(),
        agent,
        warmRetry: config.warmRetry,
      });
      // The working tip holds every merged dependency: the attempt starts from there.
      const tip = this.options.queue.workingTip();
      if (!tip) throw new Error(`the working branch ${config.branches.working} is missing`);
      baseCommit = tip;
      place = await host.acquire(runId, unitId, attempt, baseCommit);
    } catch (error) {
      this.starting.delete(unitId);
      pool.give(host);
      if (error instanceof HostLost && host.state !== 'up') {
        // The host went down: the unit is placed again at once, on another host.
        recorder.record([
          [
            'supervisor:warning',
            { runId, message: redact(`${unitId}: ${error.message}; it runs elsewhere`) },
          ],
        ]);
        return;
      }
      const message = `could not prepare a workspace for ${unitId}: ${describe(error)}; it waits for the next round`;
      ledger.skipRound(unitId, round, [['supervisor:warning', { runId, message }]]);
      return;
    }
    const logPath = path.join(stateDir, 'logs', `run-${runId}`, `${unitId}-attempt-${attempt}.log`);
    const live: LiveAttempt = {
      unitId,
      attempt,
      controller: new AbortController(),
      ring: new RingBuffer({ maxLines: config.ring.lines, maxBytes: config.ring.bytes }),
      logPath,
      host: host.name,
      startedAt: performance.now(),
    };
    // Live before its first event: a kill sent from an `attempt:started` listener finds it.
    this.live.set(unitId, live);
    this.starting.delete(unitId);
    let attemptId = 0;
    ledger.start(unitId, attempt, {
      write: () => {
        attemptId = recorder.store.attempts.start({
          runId,
          unitId,
          number: attempt,
          round,
          branch: place.workspace.branch,
          worktree: host.name === 'local' ? place.workspace.path : `${host.name}:${place.workspace.path}`,
          baseCommit,
          logPath,
          startMode: next.startMode,
          startReason: next.startReason,
        });
      },
      after: [
        [
          'attempt:started',
          {
            runId,
            unitId,
            attempt,
            round,
            branch: place.workspace.branch,
            baseCommit,
            logPath,
            startMode: next.startMode,
            startReason: next.startReason,
            strikes: next.strikes,
            host: host.name,
          },
        ],
      ],
    });
    await writeLogHeader(
      logPath,
      `gaffer: attempt ${attempt} of ${unitId} starts ${next.startMode}${host.name === 'local' ? '' : ` on host ${host.name}`}: ${next.startReason}`,
    );
    if (this.options.signal.aborted) live.controller.abort(new Error('the supervisor is stopping'));
    let report: AttemptReport;
    const maxBudgetUsd = this.budget.remainingUsd(unitId);
    try {
      // The attempt's row exists (ledger.start): a setup failure or a kill during setup is recorded on it.
      const prepared = await prepareWorkspace({
        repo: this.options.repo,
        baseCommit,
        place,
        copyFiles: config.copyFiles,
        setup: config.setup,
        timeoutMs: config.setupTimeoutMs,
        graceMs: config.killGraceMs,
        agent,
        extraEnv: attemptVariables({ runId, unitId, attempt, workspace: place.workspace.path }),
        logPath,
        ring: live.ring,
        redact,
        onLine: (line) => recorder.publish('worker:output', { runId, unitId, attempt, line }),
        signal: live.controller.signal,
      });
      if (!prepared.ok) throw new SetupFailed(prepared);
      report = await runAttempt({
        runId,
        unit: {
          id: unitId,
          title: unit.title,
          prompt: this.options.units.get(unitId)?.prompt ?? unit.prompt,
        },
        attempt,
        agent,
        timeoutMs: this.options.units.get(unitId)?.timeoutMs ?? config.attemptTimeoutMs,
        graceMs: config.killGraceMs,
        stallMs: config.stallMs,
        prompt: next.prompt,
        ...(next.resumeSessionId === undefined ? {} : { resumeSessionId: next.resumeSessionId }),
        ...(maxBudgetUsd !== undefined ? { maxBudgetUsd } : {}),
        onUsage: (usage) => this.sawUsage(live, usage),
        place,
        baseCommit,
        logPath,
        promptPath: path.join(stateDir, 'prompts', `run-${runId}`, `${unitId}-attempt-${attempt}.md`),
        ring: live.ring,
        redact,
        onSpawn: (pid) => {
          recorder.store.attempts.setPid(attemptId, pid, processIdentity(pid) ?? null);
          chaosStep('spawn');
        },
        onLine: (line) => recorder.publish('worker:output', { runId, unitId, attempt, line }),
        signal: live.controller.signal,
      });
    } catch (error) {
      // The attempt could not be carried out (its setup, a git step, the disk): its failure, with its cause, no strike.
      // A setup failure has no failureKind: like gaffer's own errors it counts the round, so a broken setup cannot loop.
      report = {
        ...(error instanceof HostLost ? { hostLost: error.message } : {}),
        outcome: error instanceof SetupFailed && error.result.killed ? 'killed' : 'error',
        head: baseCommit,
        exitCode: null,
        signal: null,
        durationMs: Math.round(performance.now() - live.startedAt),
        commits: 0,
        handoff: 'missing',
        handoffJson: null,
        reason:
          error instanceof SetupFailed
            ? error.message
            : error instanceof HostLost
              ? `${redact(error.message)}; it runs again elsewhere`
              : `could not be carried out: ${redact(describe(error))}`,
        sessionId: null,
        usage: null,
        failureKind: null,
      };
    } finally {
      this.live.delete(unitId);
      // From here the attempt's usage counts from its row, written by settle in this same turn.
      this.budget.ended(unitId);
      place.release();
      pool.give(host);
    }
    if (live.budgetStop && report.outcome === 'killed')
      report = { ...report, reason: `budget reached: ${describeBudgetReached(live.budgetStop)}` };
    try {
      this.settle(
        unitId,
        { id: attemptId, number: attempt, round, branch: place.workspace.branch },
        report,
        live,
      );
    } catch (error) {
      // Recording the outcome failed: the unit must still leave `running`, or the round would wait forever.
      if (recorder.failure) throw recorder.failure;
      if (ledger.get(unitId).status === 'running') {
        ledger.requeue(unitId, `attempt ${attempt} could not be settled: ${describe(error)} (no strike)`, {
          round,
          write: () => recorder.store.attempts.end(attemptId, { ...report, outcome: 'error' }),
        });
      }
      throw error;
    }
  }

  private settle(
    unitId: string,
    {
      id: attemptId,
      number: attempt,
      round,
      branch,
    }: { id: number; number: number; round: number; branch: string },
    report: AttemptReport,
    { ring, budgetStop }: LiveAttempt,
  ): void {
    const { ledger, recorder, runId } = this.options;
    const ended: EventSpec = [
      'attempt:ended',
      {
        runId,
        unitId,
        attempt,
        outcome: report.outcome,
        exitCode: report.exitCode,
        durationMs: report.durationMs,
        commits: report.commits,
        handoff: report.handoff,
        reason: report.reason,
        usage: report.usage,
      },
    ];
    const endAttempt = (): void => recorder.store.attempts.end(attemptId, report);
    if (report.outcome !== 'error' || report.failureKind === null) this.backoff.cleared(unitId);
    switch (report.outcome) {
      case 'handed-off': {
        let mergeId = 0;
        ledger.handOff(unitId, round, `attempt ${attempt} handed off ${report.reason}`, {
          before: [ended],
          write: () => {
            endAttempt();
            mergeId = recorder.store.merges.enqueue({ runId, unitId, attemptId, branch });
          },
        });
        recorder.record([['merge:queued', { runId, mergeId, unitId, attempt, branch }]]);
        this.track(this.merge(mergeId));
        return;
      }
      case 'killed':
        if (this.options.signal.aborted) {
          // Not counted: the unit runs again in this round when the run resumes.
          ledger.requeue(unitId, `attempt ${attempt} ended because the supervisor stopped (no strike)`, {
            before: [ended],
            write: endAttempt,
          });
        } else if (budgetStop?.scope === 'unit') {
          ledger.budgetSpent(unitId, `attempt ${attempt} ended: ${report.reason}`, {
            before: [ended],
            write: endAttempt,
          });
        } else if (budgetStop) {
          // The run's budget: no strike, the unit waits for the run to resume with a raised budget.
          ledger.requeue(unitId, `attempt ${attempt} ended: ${report.reason} (no strike)`, {
            before: [ended],
            write: endAttempt,
          });
        } else {
          ledger.killed(unitId, round, `attempt ${attempt} killed by the operator (no strike)`, {
            before: [ended],
            write: endAttempt,
          });
        }
        return;
      case 'error':
        if (report.hostLost !== undefined) {
          // The host went away under it: not the agent's doing; it runs again in this round, elsewhere.
          ledger.requeue(unitId, `attempt ${attempt} ${report.reason} (no strike)`, {
            before: [ended],
            write: endAttempt,
          });
        } else if (report.failureKind === 'auth') {
          // Every attempt would fail the same way: the run stops (and resumes the unit once logged in).
          ledger.requeue(unitId, `attempt ${attempt} ${report.reason} (no strike; the run stops)`, {
            before: [ended],
            write: endAttempt,
          });
        } else if (report.failureKind === null) {
          ledger.requeue(unitId, `attempt ${attempt} ${report.reason} (no strike)`, {
            round,
            before: [ended],
            write: endAttempt,
          });
        } else {
          this.requeueAfterBackoff(unitId, attempt, round, report, [ended, endAttempt]);
        }
        this.track(this.options.workspaces.deleteBranch(branch));
        if (report.failureKind === 'auth') this.options.onAgentConfigError(report.reason);
        return;
      case 'failed':
      case 'timed-out': {
        const tail = ring.lines().slice(-FEEDBACK_TAIL_LINES).join('\n');
        const feedback = `Attempt ${attempt} ${report.reason}.${tail ? `\nIts last output:\n${tail}` : ''}`;
        ledger.charge(unitId, `attempt ${attempt} ${report.outcome}: ${report.reason}`, feedback, {
          round,
          before: [ended],
          write: endAttempt,
        });
        if (report.commits === 0) this.track(this.options.workspaces.deleteBranch(branch));
        return;
      }
      default: {
        const unreachable: never = report.outcome;
        return unreachable;
      }
    }
  }

  /** An infrastructure failure (rate limit, overload, stall): no strike; the unit runs again after a backoff. */
  private requeueAfterBackoff(
    unitId: string,
    attempt: number,
    round: number,
    report: AttemptReport,
    [ended, endAttempt]: [EventSpec, () => void],
  ): void {
    const backoff = this.backoff.failed(unitId);
    const when = backoff.nextRound ? 'in the next round' : `in ${formatSeconds(backoff.delayMs)}`;
    this.options.ledger.requeue(
      unitId,
      `attempt ${attempt} ${report.reason} (no strike; runs again ${when})`,
      {
        ...(backoff.nextRound ? { round } : {}),
        before: [ended],
        write: endAttempt,
      },
    );
    // Wakes the round when the wait is over (and keeps it from ending before).
    if (!backoff.nextRound) this.track(this.sleep(backoff.delayMs));
  }

  /** Resolves after `ms`, or at once when the supervisor stops. */
  private sleep(ms: number): Promise<void> {
    const { signal } = this.options;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private async merge(mergeId: number): Promise<void> {
    await this.options.queue.enqueue(mergeId);
  }

  /** A running attempt reported more usage: shown live and counted against the budgets. */
  private sawUsage(live: LiveAttempt, usage: Usage): void {
    const { recorder, runId } = this.options;
    if (!this.live.has(live.unitId)) return;
    recorder.publish('attempt:usage', { runId, unitId: live.unitId, attempt: live.attempt, usage });
    this.budget.sawUsage(live, usage, this.live.values());
  }

  /** Ends one running attempt (an operator's kill): its process group goes, the unit waits for a retry. */
  kill(unitId: string): boolean {
    const live = this.live.get(unitId);
    if (!live) return false;
    live.controller.abort(new Error('killed by the operator'));
    return true;
  }
}

/**
 * The attempt log's first line says how it started; the agent's output is
 * appended after it. Asynchronous: a synchronous create and write on a busy
 * disk held the supervisor's event loop for ms at every attempt's start.
 */
async function writeLogHeader(logPath: string, line: string): Promise<void> {
  try {
    await fs.promises.mkdir(path.dirname(logPath), { recursive: true });
    await fs.promises.appendFile(logPath, `${redact(line)}\n`);
  } catch {
    // The log sink reports an unwritable log folder itself when the attempt opens it.
  }
}

/** The workspace's setup failed or was stopped: the attempt ends before its agent starts. */
class SetupFailed extends Error {
  constructor(readonly result: Extract<SetupResult, { ok: false }>) {
    super(result.reason);
  }
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
