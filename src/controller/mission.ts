import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { EventBus } from '../events/bus.js';
import type { RunStatus, UnitStatus } from '../events/types.js';
import { branchTip, compareAndSwapBranch } from '../git/git.js';
import { checksKey, runChecks } from '../health/run-checks.js';
import { snapshotEvent } from '../health/snapshot-event.js';
import { MergeQueue } from '../merge/merge-queue.js';
import { logDirFor } from '../state-dir.js';
import { QueueWorktree } from '../merge/queue-worktree.js';
import type { Plan } from '../plan/schema.js';
import type { Snapshot } from '../store/health.js';
import type { Store } from '../store/store.js';
import { redact } from '../util/redact.js';
import { Workspaces } from '../workers/workspaces.js';
import { AttemptLauncher } from './attempt-launcher.js';
import { Recorder } from './recorder.js';
import { openRun, reapInterrupted } from './run-setup.js';
import type { MissionControl } from './control.js';
import { LiveMissionControl } from './mission-control.js';
import { UnitLedger } from './unit-ledger.js';

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
  /** Called once the run exists, before its first event: where a UI takes the controls. */
  onStart?: (control: MissionControl, info: MissionInfo) => void;
}

export interface MissionInfo {
  runId: number;
  planName: string;
  maxRounds: number;
  units: { id: string; title: string; dependsOn: string[]; status: UnitStatus }[];
  logDir: string;
}

export interface MissionResult {
  runId: number;
  status: RunStatus;
  reason: string;
  rounds: number;
  /** Who stopped the run early: the operator (quit) or a signal; undefined when it ran to its end. */
  stoppedBy: 'operator' | 'signal' | undefined;
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
  private maxRounds = 0;

  constructor(private readonly options: MissionOptions) {
    this.recorder = new Recorder(options.store, options.bus);
    if (options.signal.aborted) this.requestStop('signal');
    else options.signal.addEventListener('abort', () => this.requestStop('signal'), { once: true });
  }

  private requestStop(by: 'operator' | 'signal'): void {
    if (this.stopping.signal.aborted) return;
    this.stoppedBy = by;
    this.stopping.abort();
  }

  async run(): Promise<MissionResult> {
    const { config, plan, repo, store } = this.options;
    const opened = openRun(store, {
      plan,
      repo,
      configJson: JSON.stringify(config),
      maxRounds: config.rounds.max,
      fresh: this.options.fresh ?? false,
    });
    const { runId } = opened;
    // A resumed run keeps its own budget (an operator's retry may have extended it).
    const maxRounds = store.runs.get(runId)?.max_rounds ?? config.rounds.max;
    this.maxRounds = maxRounds;
    this.options.onStart?.(this.control, {
      runId,
      planName: plan.name,
      maxRounds,
      // A resumed run's units start from where they were, not from pending.
      units: plan.units.map((unit) => ({
        id: unit.id,
        title: unit.title,
        dependsOn: unit.depends_on,
        status: store.units.get(runId, unit.id)?.status ?? 'pending',
      })),
      logDir: logDirFor(this.options.stateDir, runId),
    });
    this.recorder.record([
      [
        'run:started',
        { runId, planName: plan.name, repo, resumed: opened.resumed, units: plan.units.length, maxRounds },
      ],
    ]);
    try {
      return await this.execute(runId, opened.resumed, opened.lastRound);
    } catch (error) {
      const reason = `internal error: ${error instanceof Error ? error.message : String(error)}`;
      this.recorder.record([['run:ended', { runId, status: 'failed', reason }]], () =>
        store.runs.setStatus(runId, 'failed', reason),
      );
      throw error;
    }
  }

  private async execute(runId: number, resumed: boolean, lastRound: number): Promise<MissionResult> {
    const { config, plan, repo, stateDir, store } = this.options;
    const signal = this.stopping.signal;
    const units = new Map(plan.units.map((unit) => [unit.id, unit]));
    const ledger = new UnitLedger(this.recorder, runId, config.maxAttempts, store.units.dependencies(runId));
    const workspaces = new Workspaces(repo, stateDir);
    const worktree = new QueueWorktree(repo, stateDir, workspaces.repoLock);
    const logDir = logDirFor(stateDir, runId);
    const checksFor = (unitId: string) => units.get(unitId)?.checks ?? config.checks;
    const queue = new MergeQueue({
      recorder: this.recorder,
      ledger,
      runId,
      repo,
      branches: config.branches,
      worktree,
      workspaces,
      checksFor,
      batchSize: config.merge.batchSize,
      logDir: path.join(logDir, 'checks'),
      graceMs: config.killGraceMs,
      redact,
      signal,
    });
    const pendingMerges = resumed ? (await reapInterrupted(this.recorder, ledger, runId)).requeuedMerges : [];
    // Slots a previous supervisor left are in an unknown state: start from none.
    await workspaces.reset();

    const workingTip = await this.ensureWorkingBranch(runId);
    await worktree.ensure(workingTip);
    const baseline = await this.snapshot(runId, null, 'baseline', workingTip, worktree, logDir);
    if (baseline && !baseline.passed) {
      this.recorder.record([
        [
          'supervisor:warning',
          {
            runId,
            message: `${config.branches.working} fails its own checks at ${workingTip.slice(0, 10)}: green stays where it is until a commit passes them all`,
          },
        ],
      ]);
    }
    if (baseline?.passed && !(await branchTip(repo, config.branches.green))) {
      if (
        await compareAndSwapBranch(repo, config.branches.green, workingTip, null, 'gaffer: verified baseline')
      ) {
        this.recorder.record([
          [
            'branch:promoted',
            { runId, branch: config.branches.green, role: 'green', from: null, to: workingTip },
          ],
        ]);
      }
    }

    const launcher = new AttemptLauncher({
      recorder: this.recorder,
      ledger,
      queue,
      workspaces,
      runId,
      repo,
      stateDir,
      config,
      units,
      signal,
    });
    this.control.bind({
      recorder: this.recorder,
      ledger,
      launcher,
      runId,
      stop: () => this.requestStop('operator'),
      ensureRoundLeft: () => {
        if (launcher.currentRound < this.maxRounds) return;
        this.maxRounds = launcher.currentRound + 1;
        store.runs.setMaxRounds(runId, this.maxRounds);
      },
    });
    let round = lastRound;
    const firstRound =
      resumed && lastRound > 0 && !store.runs.rounds(runId).at(-1)?.ended_at ? lastRound : lastRound + 1;
    for (round = firstRound; round <= this.maxRounds; round += 1) {
      if (signal.aborted) break;
      const stats = { done: 0, failed: 0, merged: 0, rejected: 0 };
      const unsubscribe = this.countRound(stats);
      const continuing = round === lastRound;
      this.recorder.record([['round:started', { runId, round }]], () => {
        if (!continuing) store.runs.startRound(runId, round);
      });
      await launcher.runRound(round, round === firstRound ? pendingMerges : []);
      unsubscribe();
      const tip = await branchTip(repo, config.branches.working);
      if (tip) await this.snapshot(runId, round, 'round', tip, worktree, logDir);
      this.recorder.record([['round:ended', { runId, round, ...stats }]], () =>
        store.runs.endRound(runId, round),
      );
      if (!ledger.all().some((unit) => unit.status === 'pending' || unit.status === 'merging')) break;
    }
    // Nothing runs any more: the slots go (branches with unmerged work stay).
    await workspaces.reset();
    return this.finish(runId, ledger, Math.min(round, this.maxRounds));
  }

  /** The working branch starts at the base branch's tip the first time. */
  private async ensureWorkingBranch(runId: number): Promise<string> {
    const { repo, config } = this.options;
    const { base, working } = config.branches;
    const existing = await branchTip(repo, working);
    if (existing) return existing;
    const baseTip = await branchTip(repo, base);
    if (!baseTip) throw new Error(`the base branch ${base} is missing`);
    if (!(await compareAndSwapBranch(repo, working, baseTip, null, `gaffer: start from ${base}`))) {
      throw new Error(`could not create the working branch ${working}: another process created it first`);
    }
    this.recorder.record([
      ['branch:promoted', { runId, branch: working, role: 'working', from: null, to: baseTip }],
    ]);
    return baseTip;
  }

  private finish(runId: number, ledger: UnitLedger, rounds: number): MissionResult {
    const maxRounds = this.maxRounds;
    const unfinished = ledger.all().filter((unit) => unit.status === 'pending' || unit.status === 'merging');
    let status: RunStatus = 'completed';
    let reason = 'every unit settled';
    if (this.stopping.signal.aborted) {
      status = 'interrupted';
      reason = `stopped by ${this.stoppedBy === 'operator' ? 'the operator' : 'a signal'}: run \`gaffer run\` again to resume`;
    } else if (unfinished.length > 0) {
      reason = `out of rounds (${maxRounds}) with ${unfinished.length} unit(s) unfinished: ${unfinished.map((unit) => unit.id).join(', ')}`;
    }
    this.recorder.record([['run:ended', { runId, status, reason }]], () =>
      this.options.store.runs.setStatus(runId, status, reason),
    );
    return { runId, status, reason, rounds, stoppedBy: this.stoppedBy };
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
    worktree: QueueWorktree,
    logDir: string,
  ): Promise<Snapshot | undefined> {
    const { config, store } = this.options;
    const signal = this.stopping.signal;
    if (config.checks.length === 0 || signal.aborted) return undefined;
    let snapshot = store.health.forCommit(commit, checksKey(config.checks));
    if (!snapshot) {
      await worktree.checkout(commit);
      snapshot = await runChecks({
        cwd: worktree.path,
        commit,
        checks: config.checks,
        logDir: path.join(logDir, 'checks'),
        logPrefix: `${label}-${round ?? 0}-${commit.slice(0, 10)}`,
        graceMs: config.killGraceMs,
        redact,
        signal,
      });
    }
    const taken = snapshot;
    this.recorder.record([['health:snapshot', snapshotEvent(runId, round, label, taken)]], () =>
      store.health.insert(runId, round, label, taken),
    );
    return snapshot;
  }
}
