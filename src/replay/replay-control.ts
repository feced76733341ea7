import type {
  CommandResult,
  LiveOutput,
  LogView,
  LogViewRequest,
  MissionControl,
  OpenProposal,
  UnitDetail,
} from '../controller/control.js';
import { LogWindowCache } from '../workers/log-window.js';
import type { ReplayService } from '../../components/replay/replay-service.js';

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
  private readonly logWindows = new LogWindowCache();

  constructor(
    private readonly replay: Pick<ReplayService, 'store'>,
    private readonly loadDetail?: MissionControl['detail'],
  ) {}

  /** The unit as the run left it (its last state, not the replay's moment): read from the state database. */
  detail(unitId: string): Promise<UnitDetail | undefined> {
    return this.loadDetail ? this.loadDetail(unitId) : Promise.resolve(undefined);
  }

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
  /**
   * The attempt's log file is on disk even though the event log holds no
   * output: the Output pane reads it as on a live run (the attempt the
   * replay has reached; a later request by number is refused).
   */
  logWindow(unitId: string, request: LogViewRequest = {}): LogView | undefined {
    const view = this.replay.store.getSnapshot();
    const unit = view.units.rows.find((row) => row.id === unitId);
    const worker = view.workers.find((row) => row.unitId === unitId);
    const logPath = worker?.logPath ?? unit?.logPath ?? null;
    const attempt = worker?.attempt ?? unit?.attempts ?? 0;
    const { attempt: asked, ...position } = request;
    if (logPath === null || attempt === 0 || (asked !== undefined && asked !== attempt)) return undefined;
    const outcome = worker?.running
      ? 'running'
      : (unit?.marks.at(-1)?.outcome ?? worker?.outcome ?? 'running');
    return { unitId, attempt, outcome, logPath, ...this.logWindows.read(logPath, position) };
  }
  /** Nothing runs in a replay: q never needs a confirmation. */
  running(): readonly { unitId: string; attempt: number; startedAt: number }[] {
    return [];
  }
}
