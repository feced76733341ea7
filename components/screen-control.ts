/**
 * The controls behind the screen's keys change during its life: while the
 * mission starts (before the run's controls exist), while it runs (the
 * mission's own), and after it ended when the screen stays open (--stay).
 * The App keeps one MissionControl, this switch, and the CLI moves it on.
 *
 * Pure TypeScript: no React, no Ink.
 */
import type {
  CommandResult,
  LiveOutput,
  LogView,
  LogViewRequest,
  MissionControl,
  OpenProposal,
  UnitDetail,
} from '../src/controller/control.js';

/** One MissionControl that hands every command to the current one. */
export class ScreenControl implements MissionControl {
  constructor(private current: MissionControl) {}

  switchTo(control: MissionControl): void {
    this.current = control;
  }

  kill(unitId: string): CommandResult {
    return this.current.kill(unitId);
  }
  retry(unitId: string): CommandResult {
    return this.current.retry(unitId);
  }
  setPaused(paused: boolean): CommandResult {
    return this.current.setPaused(paused);
  }
  isPaused(): boolean {
    return this.current.isPaused();
  }
  discover(): CommandResult {
    return this.current.discover();
  }
  accept(proposalId: number): CommandResult {
    return this.current.accept(proposalId);
  }
  reject(proposalId: number): CommandResult {
    return this.current.reject(proposalId);
  }
  proposals(): readonly OpenProposal[] {
    return this.current.proposals();
  }
  quit(): CommandResult {
    return this.current.quit();
  }
  output(unitId: string): LiveOutput | undefined {
    return this.current.output(unitId);
  }
  logWindow(unitId: string, request?: LogViewRequest): LogView | undefined {
    return this.current.logWindow(unitId, request);
  }
  detail(unitId: string): Promise<UnitDetail | undefined> {
    return this.current.detail(unitId);
  }
  running(): readonly { unitId: string; attempt: number; startedAt: number }[] {
    return this.current.running();
  }
}

/**
 * A control with nothing to act on: every command is refused with `why()`
 * except quit, which `onQuit` answers. Nothing runs, so q needs no confirmation.
 */
class IdleControl implements MissionControl {
  constructor(
    private readonly why: () => string,
    private readonly onQuit: () => CommandResult,
    private readonly onRetry: (unitId: string) => CommandResult = () => refuse(why()),
    /** Where the logs and details are read from once a run has been (the ended run's control). */
    private readonly reads?: Pick<MissionControl, 'logWindow' | 'detail'>,
  ) {}

  kill(): CommandResult {
    return refuse(this.why());
  }
  retry(unitId: string): CommandResult {
    return this.onRetry(unitId);
  }
  setPaused(): CommandResult {
    return refuse(this.why());
  }
  isPaused(): boolean {
    return false;
  }
  discover(): CommandResult {
    return refuse(this.why());
  }
  accept(): CommandResult {
    return refuse(this.why());
  }
  reject(): CommandResult {
    return refuse(this.why());
  }
  proposals(): readonly OpenProposal[] {
    return [];
  }
  quit(): CommandResult {
    return this.onQuit();
  }
  output(): LiveOutput | undefined {
    return undefined;
  }
  logWindow(unitId: string, request?: LogViewRequest): LogView | undefined {
    return this.reads?.logWindow(unitId, request);
  }
  detail(unitId: string): Promise<UnitDetail | undefined> {
    return this.reads ? this.reads.detail(unitId) : Promise.resolve(undefined);
  }
  running(): readonly { unitId: string; attempt: number; startedAt: number }[] {
    return [];
  }
}

/**
 * Before the run's controls exist (preflight, reconcile, the baseline
 * snapshot): q stops the start as the operator (no attempt ran, the run stays
 * resumable); every other command says what the start is doing.
 */
export function startingControl(phase: () => string | null, onQuit: () => void): MissionControl {
  return new IdleControl(
    () => `the mission is starting: ${phase() ?? 'a moment'}; q quits`,
    () => {
      onQuit();
      return done('stopping the start: nothing ran yet, the run stays resumable (`gaffer run` resumes it)');
    },
  );
}

/**
 * After the run ended, the screen open (--stay): r sends a failed, blocked
 * or killed unit back (`retry` does it and answers), q leaves.
 */
export function endedControl(
  retry: (unitId: string) => CommandResult,
  onQuit: () => void,
  reads?: Pick<MissionControl, 'logWindow' | 'detail'>,
): MissionControl {
  return new IdleControl(
    () => 'the run has ended: r sends a failed, blocked or killed unit back, q leaves',
    () => {
      onQuit();
      return done('leaving');
    },
    retry,
    reads,
  );
}

const done = (message: string): CommandResult => ({ ok: true, message });
const refuse = (message: string): CommandResult => ({ ok: false, message });
