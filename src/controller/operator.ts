import { UsageError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { RunRow } from '../store/runs.js';
import type { Store } from '../store/store.js';
import { LogWindowCache } from '../workers/log-window.js';
import type {
  CommandResult,
  LiveOutput,
  LogView,
  LogViewRequest,
  MissionControl,
  OpenProposal,
} from './control.js';
import { loadUnitDetail, type UnitDetail } from '../report/unit-detail.js';
import { Recorder } from './recorder.js';
import { Rounds } from './rounds.js';
import { UnitLedger } from './unit-ledger.js';
import type { WaveScheduler } from './wave-scheduler.js';
import type { Discovery } from './discovery.js';
import type { Snapshot } from '../store/health.js';

/*
 * The operator's commands, in one place: kill, retry, pause, discover and
 * quit on a running mission (from the screen's keys), and retry while no
 * supervisor runs (`gaffer retry`). Both retries follow the ledger's one rule.
 */

export interface ControlTarget {
  recorder: Recorder;
  ledger: UnitLedger;
  scheduler: WaveScheduler;
  rounds: Rounds;
  runId: number;
  /** The user's repository: where the detail's diffs are read. */
  repo: string;
  discovery: Discovery;
  /** The working branch's latest health snapshot: what discovery reads its failures from. */
  latestSnapshot: () => Snapshot | undefined;
  /** Stops the mission gracefully (the same path as a signal). */
  stop: () => void;
}

/**
 * The operator's commands on a running mission. Each one answers at once and
 * is recorded as a `supervisor:command` event; what it changes arrives as the
 * usual state events. Before the mission is set up, commands say so.
 */
export class LiveMissionControl implements MissionControl {
  private target: ControlTarget | undefined;
  private readonly logWindows = new LogWindowCache();

  bind(target: ControlTarget): void {
    this.target = target;
  }

  kill(unitId: string): CommandResult {
    return this.command('kill', unitId, (target) => {
      const live = target.scheduler.liveAttempts().find((attempt) => attempt.unitId === unitId);
      if (!live || !target.scheduler.kill(unitId)) return refuse(`${unitId} has no running attempt to kill`);
      return done(
        `attempt ${live.attempt} of ${unitId} is ending (its whole process group); no strike, r retries it`,
      );
    });
  }

  retry(unitId: string): CommandResult {
    return this.command('retry', unitId, (target) => {
      const refusal = target.ledger.retryRefusal(unitId);
      if (refusal !== undefined) return refuse(refusal);
      // It runs in the current round (the operator asked for it now), and that round is not the last.
      target.ledger.retry(unitId, { write: () => target.rounds.ensureAfter(target.scheduler.currentRound) });
      target.scheduler.wake();
      return done(`${unitId} is pending again with fresh attempts`);
    });
  }

  setPaused(paused: boolean): CommandResult {
    return this.command(paused ? 'pause' : 'resume', null, (target) => {
      if (target.scheduler.isPaused === paused) return refuse(paused ? 'already paused' : 'not paused');
      target.scheduler.setPaused(paused);
      target.recorder.record([['supervisor:paused', { runId: target.runId, paused }]]);
      return done(paused ? 'paused: running attempts go on, no new one starts' : 'resumed');
    });
  }

  isPaused(): boolean {
    return this.target?.scheduler.isPaused ?? false;
  }

  discover(): CommandResult {
    return this.command('discover', null, (target) =>
      target.discovery.runNow('the operator (d)', target.latestSnapshot()),
    );
  }

  accept(proposalId: number): CommandResult {
    return this.command('accept', null, (target) => {
      const result = target.discovery.accept(proposalId);
      // The operator asked for it now: it runs in this round, and this round is not the last.
      if (result.ok) {
        target.recorder.record([], () => target.rounds.ensureAfter(target.scheduler.currentRound));
        target.scheduler.wake();
      }
      return result;
    });
  }

  reject(proposalId: number): CommandResult {
    return this.command('reject', null, (target) => target.discovery.reject(proposalId));
  }

  proposals(): readonly OpenProposal[] {
    return this.target?.discovery.open() ?? [];
  }

  quit(): CommandResult {
    return this.command('quit', null, (target) => {
      target.stop();
      return done('stopping: running attempts end, the run stays resumable (`gaffer run` resumes it)');
    });
  }

  output(unitId: string): LiveOutput | undefined {
    const live = this.target?.scheduler.liveAttempts().find((attempt) => attempt.unitId === unitId);
    return live && { unitId, attempt: live.attempt, lines: live.ring.lines(), logPath: live.logPath };
  }

  logWindow(unitId: string, request: LogViewRequest = {}): LogView | undefined {
    const target = this.target;
    if (!target) return undefined;
    const { attempt, ...position } = request;
    const attempts = target.recorder.store.attempts;
    const row =
      attempt === undefined
        ? attempts.latest(target.runId, unitId)
        : attempts.find(target.runId, unitId, attempt);
    if (!row) return undefined;
    return {
      unitId,
      attempt: row.number,
      outcome: row.outcome,
      logPath: row.log_path,
      ...this.logWindows.read(row.log_path, position),
    };
  }

  running(): readonly { unitId: string; attempt: number; startedAt: number }[] {
    return (this.target?.scheduler.liveAttempts() ?? []).map((live) => ({
      unitId: live.unitId,
      attempt: live.attempt,
      startedAt: live.startedAt,
    }));
  }

  async detail(unitId: string): Promise<UnitDetail | undefined> {
    const target = this.target;
    if (!target) throw new Error('the mission is still starting: the detail can be read once it runs');
    return loadUnitDetail(target.recorder.store, target.repo, target.runId, unitId);
  }

  private command(
    name: string,
    unitId: string | null,
    act: (target: ControlTarget) => CommandResult,
  ): CommandResult {
    const target = this.target;
    if (!target) return refuse('the mission is still starting');
    const result = act(target);
    target.recorder.record([
      ['supervisor:command', { runId: target.runId, command: name, unitId, ...result }],
    ]);
    return result;
  }
}

const done = (message: string): CommandResult => ({ ok: true, message });
const refuse = (message: string): CommandResult => ({ ok: false, message });

/**
 * An operator's retry while no supervisor runs: the unit (failed, blocked or
 * killed) goes back to pending with fresh attempts, the units it blocked
 * follow, and the run becomes resumable with at least one more round.
 */
export function retryUnit(
  store: Store,
  bus: EventBus,
  unitId: string,
  maxAttempts: number,
): { runId: number; unblocked: string[] } {
  const run = store.runs.latest();
  if (!run) throw new UsageError('no run is recorded in this state folder: nothing to retry');
  const recorder = new Recorder(store, bus);
  const ledger = new UnitLedger(recorder, run.id, maxAttempts, store.units.dependencies(run.id));
  if (!store.units.get(run.id, unitId)) {
    const known = ledger.all().map((row) => row.id);
    throw new UsageError(`run #${run.id} has no unit "${unitId}" (units: ${known.join(', ')})`);
  }
  const refusal = ledger.retryRefusal(unitId);
  if (refusal !== undefined) throw new UsageError(refusal);
  const blockedBefore = new Set(
    ledger
      .all()
      .filter((row) => row.status === 'blocked')
      .map((row) => row.id),
  );
  const rounds = new Rounds(recorder, run.id);
  const reason = `unit ${unitId} retried by the operator: run \`gaffer run\` to continue`;
  // One transaction: the unit, the units it unblocks and the run's new budget commit together.
  ledger.retry(unitId, { write: () => reopenRun(store, rounds, run, reason) });
  const unblocked = ledger
    .all()
    .filter((row) => blockedBefore.has(row.id) && row.status === 'pending')
    .map((row) => row.id);
  return { runId: run.id, unblocked };
}

/**
 * Work was given to a run while no supervisor runs (a retry, an accepted
 * proposal): it gets a round after its last, and a finished run becomes
 * resumable. A write, for the caller's transaction.
 */
export function reopenRun(store: Store, rounds: Rounds, run: RunRow, reason: string): void {
  rounds.ensureAfter(rounds.last);
  if (run.status !== 'running' && run.status !== 'interrupted')
    store.runs.move(run.id, run.status, 'interrupted', reason);
}
