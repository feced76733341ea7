import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { EventBus } from '../events/bus.js';
import { GafferError, PreflightError, errorMessage } from '../errors.js';
import type { GafferEvent, ProposalSource, RunStatus, UnitOrigin, UnitStatus } from '../events/types.js';
import { branchTip } from '../git/git.js';
import { RepoGuard } from '../git/repo-guard.js';
import { describeSource, type SourceRepo } from '../git/source-repo.js';
import { HostPool } from '../hosts/host-pool.js';
import { LocalHost } from '../hosts/local-host.js';
import { RemoteHost } from '../hosts/remote-host.js';
import { checksKey, unreadableChecks } from '../health/run-checks.js';
import { snapshotEvent } from '../health/snapshot-event.js';
import { brokeWith, runAttributions } from '../health/attribution.js';
import { BranchGuard } from '../merge/branch-guard.js';
import { MergeQueue } from '../merge/merge-queue.js';
import { QueueWorkspace } from '../merge/queue-workspace.js';
import { greenDecision } from '../merge/verdict.js';
import { logDirFor } from '../state-dir.js';
import type { Plan } from '../plan/schema.js';
import type { Snapshot } from '../store/health.js';
import type { Spend } from '../store/attempts.js';
import type { Store } from '../store/store.js';
import { chaosStep } from '../util/chaos-step.js';
import { redact } from '../util/redact.js';
import { agentExecutable } from '../workers/agents/index.js';
import { processMarkSession } from '../workers/process-marks.js';
import { Workspaces } from '../workers/workspaces.js';
import { MergeBook } from '../merge/merge-book.js';
import { isResumable } from '../machines/run.js';
import { isSettled } from '../machines/unit.js';
import type { MissionControl } from './control.js';
import { landedUnits } from './landed-units.js';
import { Budget, describeBudgetReached } from './budget.js';
import { LiveMissionControl } from './operator.js';
import { reconcile, sweep } from './reconcile.js';
import { Recorder, type EventSpec } from './recorder.js';
import { Rounds } from './rounds.js';
import { latestOfPlan, openRun, unitsAtStart } from './run-setup.js';
import { UnitLedger } from './unit-ledger.js';
import { WaveScheduler } from './wave-scheduler.js';
import { Discovery } from './discovery.js';
import { PlanBook, watchPlanEdits } from './plan-book.js';

export interface MissionOptions {
  config: Config;
  plan: Plan;
  repo: string;
  stateDir: string;
  store: Store;
  bus: EventBus;
  /** Aborting it stops the mission gracefully: attempts end, state stays resumable. */
  signal: AbortSignal;
  fresh?: boolean;
  /** Take an existing green branch gaffer has no record of verifying as it is (`--adopt`). */
  adopt?: boolean;
  /** The plan file, watched while the run goes on: a saved edit changes the units not yet started. */
  planPath?: string;
  /** Called once the run exists, before its first event: where a UI takes the controls. */
  onStart?: (control: MissionControl, info: MissionInfo) => void;
  /**
   * What the start is doing, in words, for a screen that is up before the
   * run's controls are ("baseline snapshot: running checks lint, test");
   * null once they are live. A callback, not an event: it is nothing to record.
   */
  onPhase?: (phase: string | null) => void;
  /** The operator's quit before the controls are live (the starting screen's q): a stop by the operator. */
  quit?: AbortSignal;
}

export interface MissionInfo {
  runId: number;
  planName: string;
  maxRounds: number;
  units: {
    id: string;
    title: string;
    dependsOn: string[];
    status: UnitStatus;
    origin: UnitOrigin;
    discoveredFrom: string | null;
  }[];
  /** Proposals waiting for the operator (a resumed run's). */
  proposals: { id: number; unitId: string; title: string; source: ProposalSource; discoveredFrom: string }[];
  logDir: string;
  /** What the run's attempts used before this start (a resumed run). */
  spent: Spend;
  /** A resumed run's events so far, oldest first; absent for a new run. */
  history?: GafferEvent[];
}

export interface MissionResult {
  runId: number;
  status: RunStatus;
  reason: string;
  rounds: number;
  /** The plan's last run had completed: this start did nothing (`--new-run` starts another). */
  alreadyCompleted?: boolean;
  /**
   * Who stopped the run early: the operator (quit), a signal, or tampering
   * (someone else moved a branch or planted code in the repository);
   * undefined when it ran to its end.
   */
  stoppedBy: 'operator' | 'signal' | 'tampered' | 'agent-auth' | undefined;
}

/**
 * One run of a plan: rounds of dependency waves, each unit at most one
 * attempt per round, finished branches through the merge queue, a health
 * snapshot at the end of each round. `rounds.max = N` runs at most N rounds.
 */
export class Mission {
  private readonly recorder: Recorder;
  /** The operator's commands; bound to the mission's parts once they exist. */
  readonly control = new LiveMissionControl();
  private readonly stopping = new AbortController();
  private stoppedBy: MissionResult['stoppedBy'];
  private tampered: string | undefined;
  private agentAuth: string | undefined;

  constructor(private readonly options: MissionOptions) {
    this.recorder = new Recorder(options.store, options.bus);
    // The state database failed (deleted, replaced, disk full): stop at once; run() reports it.
    this.recorder.onFailure(() => this.requestStop('signal'));
    if (options.signal.aborted) this.requestStop('signal');
    else options.signal.addEventListener('abort', () => this.requestStop('signal'), { once: true });
    if (options.quit?.aborted) this.requestStop('operator');
    else options.quit?.addEventListener('abort', () => this.requestStop('operator'), { once: true });
  }

  private requestStop(by: 'operator' | 'signal' | 'tampered' | 'agent-auth'): void {
    if (this.stopping.signal.aborted) return;
    this.stoppedBy = by;
    this.stopping.abort();
  }

  async run(): Promise<MissionResult> {
    const { config, plan, repo, store } = this.options;
    const latest = this.options.fresh ? undefined : latestOfPlan(store, { plan, repo });
    if (latest && !isResumable(latest.status)) {
      // A finished run is finished: this start does nothing.
      const rounds = store.runs.rounds(latest.id).length;
      return {
        runId: latest.id,
        status: latest.status,
        reason: latest.reason,
        rounds,
        stoppedBy: undefined,
        alreadyCompleted: true,
      };
    }
    let landed = new Map<string, string>();
    if (!latest) {
      // Checked before anything is written: a new run must not start from a green gaffer never verified.
      await this.checkGreenAdoptable();
      // A new run after earlier ones: units whose change is already in the working branch start done.
      landed = await landedUnits(store, { repo, plan, working: config.branches.working });
    }
    const opened = openRun(store, {
      plan,
      repo,
      configJson: JSON.stringify(config),
      maxRounds: config.rounds.max,
      resume: latest,
      landed,
    });
    const { runId } = opened;
    // A resumed run keeps its own budget (an operator's retry may have extended it).
    const maxRounds = new Rounds(this.recorder, runId).max;
    this.options.onStart?.(this.control, {
      runId,
      planName: plan.name,
      maxRounds,
      // A resumed run's units start from where they were (those discovery added too), not from pending.
      ...unitsAtStart(store, runId),
      logDir: logDirFor(this.options.stateDir, runId),
      spent: store.attempts.runSpend(runId),
      ...(opened.resumed ? { history: store.events.eventsOf(runId) } : {}),
    });
    this.recorder.record([
      [
        'run:started',
        { runId, planName: plan.name, repo, resumed: opened.resumed, units: plan.units.length, maxRounds },
      ],
      ...[...landed].map(([unitId, why]): EventSpec => [
        'supervisor:warning',
        { runId, message: `${unitId}: ${why}` },
      ]),
    ]);
    // The database is watched between changes too: a long agent run makes no writes for minutes.
    const watch = setInterval(() => this.recorder.check(), 500);
    watch.unref();
    try {
      const result = await this.execute(runId, opened.resumed);
      if (this.recorder.failure) throw this.recorder.failure;
      return result;
    } catch (error) {
      // The state database itself failed (deleted, replaced, disk full): nothing more can be recorded.
      if (this.recorder.failure) throw this.recorder.failure;
      const reason = error instanceof GafferError ? error.message : `internal error: ${errorMessage(error)}`;
      try {
        this.recorder.record([['run:ended', { runId, status: 'failed', reason }]], () =>
          store.runs.move(runId, 'running', 'failed', reason),
        );
      } catch {
        throw this.recorder.failure ?? error;
      }
      throw error;
    } finally {
      clearInterval(watch);
      if (!this.recorder.failure) {
        try {
          store.sessions.remove(processMarkSession());
        } catch {
          // The row stays: the next supervisor finds nothing of this session left running.
        }
      }
    }
  }

  /**
   * An existing green branch at a commit gaffer never put there (made by hand,
   * by another tool, or its state folder was removed) is not taken as
   * verified unless the operator says so.
   */
  private async checkGreenAdoptable(): Promise<void> {
    const { repo, config, store } = this.options;
    const green = config.branches.green;
    const tip = await branchTip(repo, green);
    if (!tip || this.options.adopt || store.branchTips.everHeld(green, tip)) return;
    throw new PreflightError(
      'branch-unverified',
      `branch "${green}" exists at ${tip.slice(0, 10)}, but gaffer has no record of verifying that commit (made by hand, by another tool, or gaffer's state folder was removed): delete it (\`git branch -D ${green}\`) and gaffer creates it at the first verified commit, or pass --adopt to keep it as it is`,
    );
  }

  /** An agent cannot log in: every other attempt would fail the same way, so the run stops now. */
  private stopForAgentAuth(message: string): void {
    this.agentAuth ??= message;
    this.requestStop('agent-auth');
  }

  private stopForTampering(message: string): void {
    this.tampered ??= message;
    this.requestStop('tampered');
  }

  private async execute(runId: number, resumed: boolean): Promise<MissionResult> {
    const { config, plan, repo, stateDir, store } = this.options;
    const signal = this.stopping.signal;
    const ledger = new UnitLedger(this.recorder, runId, config.maxAttempts, store.units.dependencies(runId));
    // The plan as it is now: the file's units and those discovery added; edits of the file change it.
    const planBook = new PlanBook(this.recorder, ledger, runId, plan);
    const units = planBook.units;
    const rounds = new Rounds(this.recorder, runId);
    // The merge queue decides about merges; what an ending means for the unit is the ledger's.
    const book = new MergeBook(this.recorder, runId, config.branches.working, (unitId, ending, effects) =>
      ledger.mergeEnded(unitId, ending, effects),
    );
    const source = await describeSource(repo);
    const workspaces = new Workspaces(source, stateDir);
    const workspace = new QueueWorkspace(source, stateDir);
    const guard = new BranchGuard({
      recorder: this.recorder,
      runId,
      repo,
      commonDir: source.commonDir,
      branches: config.branches,
      repoGuard: await RepoGuard.capture(repo, source.commonDir),
    });
    const logDir = logDirFor(stateDir, runId);
    const checksFor = (unitId: string) => units.get(unitId)?.checks ?? config.checks;
    const queue = new MergeQueue({
      recorder: this.recorder,
      book,
      runId,
      repo,
      branches: config.branches,
      workspaces: [
        workspace,
        ...Array.from(
          { length: config.merge.verifiers - 1 },
          (_, index) => new QueueWorkspace(source, stateDir, index + 2),
        ),
      ],
      guard,
      checksFor,
      greenChecks: config.checks,
      batchSize: config.merge.batchSize,
      confirmFailures: config.merge.confirmFailures,
      logDir: path.join(logDir, 'checks'),
      graceMs: config.killGraceMs,
      redact,
      signal,
      onTampered: (message) => this.stopForTampering(message),
    });
    const context = {
      recorder: this.recorder,
      ledger,
      book,
      guard,
      workspaces,
      runId,
      repo,
      graceMs: config.killGraceMs,
    };
    const open = ledger.all().filter((unit) => unit.status === 'running' || unit.status === 'merging');
    this.options.onPhase?.(
      resumed
        ? `resuming run #${runId}: reconciling ${open.length} attempt${open.length === 1 ? '' : 's'}`
        : `run #${runId}: preparing the workspaces`,
    );
    const reconciled = await reconcile(context, resumed);
    const atStart = await guard.inspect(reconciled.tampering);
    if (atStart !== undefined) this.stopForTampering(atStart);

    const workingTip = await this.ensureWorkingBranch(runId, guard);
    await workspace.ensure(repo, workingTip);
    const budget = new Budget(config.budget, store, runId);
    let wakeScheduler = (): void => undefined;
    const pool = this.hostPool(runId, source, workspaces, () => wakeScheduler());
    await pool.start();
    pool.offerBase(workingTip);
    // Each new working tip is the next attempts' base: sent to the hosts as it lands, not when they start.
    const offWorkingMoves = this.options.bus.on('branch:promoted', (event) => {
      if (event.role === 'working') pool.offerBase(event.to);
    });
    const scheduler = new WaveScheduler({
      recorder: this.recorder,
      ledger,
      queue,
      workspaces,
      pool,
      runId,
      repo,
      stateDir,
      config,
      units,
      objective: () => planBook.objective,
      signal,
      budget,
      onAgentConfigError: (message) => this.stopForAgentAuth(message),
    });
    wakeScheduler = () => scheduler.wake();
    let round = 0;
    const discovery = new Discovery({
      recorder: this.recorder,
      runId,
      book: planBook,
      config,
      repo,
      stateDir,
      signal,
      round: () => (round === 0 ? null : round),
      workingTip: () => guard.recorded('working'),
      onAdded: () => scheduler.wake(),
    });
    const offHandoffs = discovery.watchHandoffs(this.options.bus);
    const baseline = await this.snapshot(runId, null, 'baseline', workingTip, workspace, logDir);
    let lastSnapshot = baseline;
    if (baseline) {
      await this.startGreen(runId, baseline, guard);
      discovery.afterSnapshot(baseline, undefined, null, 'baseline');
      // A fixup of a red baseline is in the plan before the first attempt starts.
      await discovery.idle();
    }

    this.control.bind({
      recorder: this.recorder,
      ledger,
      scheduler,
      rounds,
      runId,
      repo,
      discovery,
      latestSnapshot: () => lastSnapshot,
      stop: () => this.requestStop('operator'),
    });
    this.options.onPhase?.(null);
    const watcher =
      this.options.planPath === undefined
        ? undefined
        : watchPlanEdits(planBook, {
            planPath: this.options.planPath,
            planName: plan.name,
            wake: () => scheduler.wake(),
          });
    const resumeAt = rounds.resumePoint();
    round = resumeAt.round;
    try {
      for (; round <= rounds.max; round += 1) {
        if (signal.aborted) break;
        const stats = { done: 0, failed: 0, merged: 0, rejected: 0 };
        const unsubscribe = this.countRound(stats);
        const first = round === resumeAt.round;
        rounds.start(round, first && resumeAt.continuing);
        await scheduler.runRound(round, first ? reconciled.openMerges : []);
        unsubscribe();
        const tip = guard.recorded('working');
        const snapshot = tip ? await this.snapshot(runId, round, 'round', tip, workspace, logDir) : undefined;
        if (snapshot) {
          discovery.afterSnapshot(snapshot, lastSnapshot, round, 'round');
          lastSnapshot = snapshot;
        }
        // The plan ran dry: the discovery agent, when there is one, looks for what is left to do.
        if (!hasWorkLeft(ledger) && discovery.agentConfigured && !signal.aborted)
          discovery.askAgent('the plan ran dry');
        await discovery.idle();
        rounds.end(round, stats);
        if (!hasWorkLeft(ledger)) break;
        // The run's budget is spent: later rounds could start nothing.
        if (budget.runReached()) break;
      }
    } finally {
      offHandoffs();
      await watcher?.close();
      offWorkingMoves();
      await pool.close();
    }
    await discovery.idle();
    await queue.idle();
    // Nothing runs any more: the slots go, and attempt branches whose work ended are settled.
    await workspaces.reset();
    await sweep(context);
    await guard.clearStaleLocks();
    // A move in the very last moments is caught before the run says where green is.
    const atEnd = await guard.inspect();
    if (atEnd !== undefined) this.stopForTampering(atEnd);
    return this.finish(runId, ledger, Math.min(round, rounds.max), rounds.max, budget);
  }

  /**
   * This machine's slots and each worker host's. A host's state changes are
   * recorded (the screen's header, the log) and wake the scheduler: a unit
   * may be waiting for it.
   */
  private hostPool(runId: number, source: SourceRepo, workspaces: Workspaces, wake: () => void): HostPool {
    const { config, stateDir } = this.options;
    const remote = config.hosts.map(
      (host) =>
        new RemoteHost(host, {
          stateDir,
          source,
          agentCommand: agentExecutable(config.agent),
          graceMs: config.killGraceMs,
          onState: (changed, state, reason) => {
            this.recorder.record([
              [
                'host:state',
                { runId, host: changed.name, state, reason: reason === undefined ? null : redact(reason) },
              ],
            ]);
            wake();
          },
          onNote: (message) =>
            this.recorder.record([['supervisor:warning', { runId, message: redact(message) }]]),
        }),
    );
    return new HostPool([new LocalHost(workspaces, config.local.slots ?? config.concurrency), ...remote]);
  }

  /**
   * Green starts at the base when the base passes every gating check; a
   * failing non-gating check informs but does not hold it back. Otherwise it
   * is held, and the reason is recorded so every output can say it.
   */
  private async startGreen(runId: number, baseline: Snapshot, guard: BranchGuard): Promise<void> {
    const { config } = this.options;
    const broken = unreadableChecks(baseline);
    if (broken.length > 0) {
      const names = broken.map(
        (check) => `"${check.name}" (${check.note ?? 'unreadable'}; log ${check.logPath})`,
      );
      throw new CheckUnusableError(
        `at the start, on ${baseline.commit.slice(0, 10)}, the output of check ${names.join(', ')} could not be read: nothing could ever be verified. Fix the check's command or its "parser" in the config and run again`,
      );
    }
    const green = guard.recorded('green');
    if (green === baseline.commit) return;
    const decision = greenDecision(baseline, undefined);
    if (!decision.promote) {
      this.recorder.record([
        [
          'branch:held',
          { runId, branch: config.branches.green, commit: baseline.commit, reason: decision.reason },
        ],
      ]);
      return;
    }
    if (green !== undefined) return;
    if (await guard.create('green', baseline.commit, 'gaffer: verified baseline')) {
      this.recorder.record([
        [
          'branch:promoted',
          { runId, branch: config.branches.green, role: 'green', from: null, to: baseline.commit },
        ],
      ]);
    }
  }

  /** The working branch starts at the base branch's tip the first time. */
  private async ensureWorkingBranch(runId: number, guard: BranchGuard): Promise<string> {
    const { repo, config } = this.options;
    const { base, working } = config.branches;
    const existing = guard.recorded('working');
    if (existing) return existing;
    const baseTip = await branchTip(repo, base);
    if (!baseTip) throw new Error(`the base branch ${base} is missing`);
    if (!(await guard.create('working', baseTip, `gaffer: start from ${base}`))) {
      throw new Error(`could not create the working branch ${working}: another process created it first`);
    }
    this.recorder.record([
      ['branch:promoted', { runId, branch: working, role: 'working', from: null, to: baseTip }],
    ]);
    return baseTip;
  }

  /**
   * completed only when every unit is done, failed or blocked (or killed, which
   * waits for the operator); out of rounds with units left is unfinished.
   */
  private finish(
    runId: number,
    ledger: UnitLedger,
    rounds: number,
    maxRounds: number,
    budget: Budget,
  ): MissionResult {
    const unfinished = ledger.all().filter((unit) => !isSettled(unit.status));
    const runBudget = unfinished.length > 0 ? budget.runReached() : undefined;
    let status: RunStatus = 'completed';
    let reason = 'every unit settled';
    if (this.tampered !== undefined) {
      status = 'interrupted';
      reason = `stopped because ${this.tampered}. Look at what changed, then run \`gaffer run\` again to resume`;
    } else if (this.agentAuth !== undefined) {
      status = 'interrupted';
      reason = `stopped because ${this.agentAuth}. Log the agent in (or set its API key), check with \`gaffer doctor\`, then run \`gaffer run\` again to resume`;
    } else if (this.stopping.signal.aborted) {
      status = 'interrupted';
      reason = `stopped by ${this.stoppedBy === 'operator' ? 'the operator' : 'a signal'}: run \`gaffer run\` again to resume`;
    } else if (runBudget) {
      status = 'unfinished';
      reason = `${describeBudgetReached(runBudget)} with ${unfinished.length} unit(s) unfinished: ${unfinished.map((unit) => `${unit.id} (${unit.status})`).join(', ')}; raise the budget in the config and run \`gaffer run\` again to resume`;
    } else if (unfinished.length > 0) {
      status = 'unfinished';
      reason = `out of rounds (${maxRounds}) with ${unfinished.length} unit(s) unfinished: ${unfinished.map((unit) => `${unit.id} (${unit.status})`).join(', ')}`;
    }
    this.recorder.record([['run:ended', { runId, status, reason }]], () =>
      this.options.store.runs.move(runId, 'running', status, reason),
    );
    if (status === 'completed') chaosStep('completed');
    return {
      runId,
      status,
      reason,
      rounds,
      stoppedBy: this.tampered !== undefined ? 'tampered' : this.stoppedBy,
    };
  }

  private countRound(stats: { done: number; failed: number; merged: number; rejected: number }): () => void {
    const { bus } = this.options;
    const offs = [
      bus.on('unit:state', (event) => {
        if (event.to === 'done') stats.done += 1;
        if (event.to === 'failed') stats.failed += 1;
      }),
      bus.on('merge:merged', () => (stats.merged += 1)),
      bus.on('merge:rejected', () => (stats.rejected += 1)),
    ];
    return () => offs.forEach((off) => off());
  }

  /** The checks on `commit`, reused from the store when that commit was verified with the same checks. */
  private async snapshot(
    runId: number,
    round: number | null,
    label: 'baseline' | 'round',
    commit: string,
    workspace: QueueWorkspace,
    logDir: string,
  ): Promise<Snapshot | undefined> {
    const { config, store } = this.options;
    const signal = this.stopping.signal;
    if (config.checks.length === 0 || signal.aborted) return undefined;
    let snapshot = store.health.forCommit(commit, checksKey(config.checks));
    if (!snapshot) {
      if (label === 'baseline')
        this.options.onPhase?.(
          `baseline snapshot: running checks ${config.checks.map((check) => check.name).join(', ')}`,
        );
      snapshot = await workspace.runChecks(commit, {
        checks: config.checks,
        logDir: path.join(logDir, 'checks'),
        logPrefix: `${label}-${round ?? 0}-${commit.slice(0, 10)}`,
        graceMs: config.killGraceMs,
        redact,
        signal,
      });
      // Checks cut short by a stop say nothing about the commit: kept, they would pass for its health.
      if (signal.aborted) return undefined;
    }
    const taken = snapshot;
    // What fails on it, by the unit whose merge it was first seen with.
    const attributed = brokeWith(taken, runAttributions(store, runId, { snapshot: taken }));
    this.recorder.record([['health:snapshot', snapshotEvent(runId, round, label, taken, attributed)]], () =>
      store.health.insert(runId, round, label, taken),
    );
    return snapshot;
  }
}

/** A check that cannot verify anything (its output unreadable at the start): exit 9. */
export class CheckUnusableError extends PreflightError {
  constructor(message: string) {
    super('check-not-found', message);
  }
}

/** Units that can still run or land: a run with none is done with its rounds. */
function hasWorkLeft(ledger: UnitLedger): boolean {
  return ledger.all().some((unit) => unit.status === 'pending' || unit.status === 'merging');
}
