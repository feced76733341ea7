import type {
  CommandResult,
  LiveOutput,
  MissionControl,
  OpenProposal,
} from '../../src/controller/control.js';
import type { ReplayService } from './replay-service.js';

/** What every command of a replay answers: it shows a record, nothing runs. */
export function readOnlyAnswer(what: string): CommandResult {
  return {
    ok: false,
    message: `replay is read-only: ${what} acts on a live run only (\`gaffer run\`); here space pauses, . steps, [ ] seek a round`,
  };
}

/**
 * The MissionControl a replay hands the screen: no mission behind it. The
 * replay's keys answer the command keys before they get here; this is the
 * net under them, so no path from the screen can act on anything.
 */
export class ReplayControl implements MissionControl {
  constructor(private readonly replay: Pick<ReplayService, 'store'>) {}

  kill(): CommandResult {
    return readOnlyAnswer('k (kill)');
  }
  retry(): CommandResult {
    return readOnlyAnswer('r (retry)');
  }
  setPaused(): CommandResult {
    return readOnlyAnswer('p (pause scheduling)');
  }
  isPaused(): boolean {
    return false;
  }
  discover(): CommandResult {
    return readOnlyAnswer('d (discover)');
  }
  accept(): CommandResult {
    return readOnlyAnswer('a (accept)');
  }
  reject(): CommandResult {
    return readOnlyAnswer('x (reject)');
  }
  /** The proposals the screen shows come from the log's events; none waits for a decision here. */
  proposals(): readonly OpenProposal[] {
    return [];
  }
  quit(): CommandResult {
    return { ok: true, message: 'leaving the replay' };
  }
  /**
   * The event log holds no worker output: the Output pane says so, and names
   * the attempt's log file, where all of it is.
   */
  output(unitId: string): LiveOutput | undefined {
    const view = this.replay.store.getSnapshot();
    const worker = view.workers.find((row) => row.unitId === unitId);
    const unit = view.attention.find((row) => row.id === unitId);
    const logPath = worker?.logPath ?? unit?.logPath ?? null;
    if (logPath === null) return undefined;
    return {
      unitId,
      attempt: worker?.attempt ?? unit?.attempts ?? 0,
      lines: ['replay: what the agent printed is not in the event log; the log file above has all of it'],
      logPath,
    };
  }
  /** Nothing runs in a replay: q never needs a confirmation. */
  running(): readonly { unitId: string; attempt: number; startedAt: number }[] {
    return [];
  }
}
