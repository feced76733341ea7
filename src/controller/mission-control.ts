import type { AttemptLauncher } from './attempt-launcher.js';
import type { CommandResult, LiveOutput, MissionControl } from './control.js';
import type { Recorder } from './recorder.js';
import type { UnitLedger } from './unit-ledger.js';

export interface ControlTarget {
  recorder: Recorder;
  ledger: UnitLedger;
  launcher: AttemptLauncher;
  runId: number;
  /** Stops the mission gracefully (the same path as a signal). */
  stop: () => void;
  /** Gives the run one more round when the last one is under way, so a retried unit can still run. */
  ensureRoundLeft: () => void;
}

/**
 * The operator's commands on a running mission. Each one answers at once and
 * is recorded as a `supervisor:command` event; what it changes arrives as the
 * usual state events. Before the mission is set up, commands say so.
 */
export class LiveMissionControl implements MissionControl {
  private target: ControlTarget | undefined;

  bind(target: ControlTarget): void {
    this.target = target;
  }

  kill(unitId: string): CommandResult {
    return this.command('kill', unitId, (target) => {
      const live = target.launcher.liveAttempts().find((attempt) => attempt.unitId === unitId);
      if (!live || !target.launcher.kill(unitId)) return refuse(`${unitId} has no running attempt to kill`);
      return done(
        `attempt ${live.attempt} of ${unitId} is ending (its whole process group); no strike, r retries it`,
      );
    });
  }

  retry(unitId: string): CommandResult {
    return this.command('retry', unitId, (target) => {
      const unit = target.ledger.all().find((row) => row.id === unitId);
      if (!unit) return refuse(`there is no unit ${unitId}`);
      if (unit.status !== 'failed' && unit.status !== 'blocked' && unit.status !== 'killed') {
        return refuse(`${unitId} is ${unit.status}: only failed, blocked or killed units can be retried`);
      }
      const failedDeps = target.ledger
        .transitiveDependencies(unitId)
        .filter((dep) => target.ledger.get(dep).status === 'failed');
      if (unit.status === 'blocked' && failedDeps.length > 0) {
        return refuse(`${unitId} is blocked by failed ${failedDeps.join(', ')}: retry that instead`);
      }
      const round = target.launcher.currentRound;
      target.ledger.retry(unitId, {
        // Runs in the current round: the operator asked for it now.
        write: () =>
          target.recorder.store.units.update(target.runId, unitId, { last_round: Math.max(0, round - 1) }),
      });
      target.ensureRoundLeft();
      target.launcher.wake();
      return done(`${unitId} is pending again with fresh attempts`);
    });
  }

  setPaused(paused: boolean): CommandResult {
    return this.command(paused ? 'pause' : 'resume', null, (target) => {
      if (target.launcher.isPaused === paused) return refuse(paused ? 'already paused' : 'not paused');
      target.launcher.setPaused(paused);
      target.recorder.record([['supervisor:paused', { runId: target.runId, paused }]]);
      return done(paused ? 'paused: running attempts go on, no new one starts' : 'resumed');
    });
  }

  isPaused(): boolean {
    return this.target?.launcher.isPaused ?? false;
  }

  discover(): CommandResult {
    return this.command('discover', null, () =>
      refuse('discovery is not configured: this run follows its plan file'),
    );
  }

  quit(): CommandResult {
    return this.command('quit', null, (target) => {
      target.stop();
      return done('stopping: running attempts end, the run stays resumable (`gaffer run` resumes it)');
    });
  }

  output(unitId: string): LiveOutput | undefined {
    const live = this.target?.launcher.liveAttempts().find((attempt) => attempt.unitId === unitId);
    return live && { unitId, attempt: live.attempt, lines: live.ring.lines(), logPath: live.logPath };
  }

  running(): readonly { unitId: string; attempt: number; startedAt: number }[] {
    return (this.target?.launcher.liveAttempts() ?? []).map((live) => ({
      unitId: live.unitId,
      attempt: live.attempt,
      startedAt: live.startedAt,
    }));
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
