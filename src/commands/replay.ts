/**
 * `gaffer replay`: a finished or interrupted run, played back from its event
 * log through the live screen, read-only (see components/replay). Without a
 * terminal (a pipe, --headless, --json, CI, TERM=dumb) it prints the events as
 * the headless lines at once, with no pacing: a pipe is read by grep or a
 * script, which want the whole record now; pacing serves only an eye.
 */
import type { UnitDetail } from '../controller/control.js';
import { ExitCode, UsageError } from '../errors.js';
import { loadUnitDetail } from '../report/unit-detail.js';
import { databasePath } from '../state-dir.js';
import { Store } from '../store/store.js';
import { EventBus } from '../events/bus.js';
import { attachHeadlessReporter } from '../report/headless.js';
import { parseSpeed } from '../replay/pace.js';
import { wantsLiveUi } from '../report/starting-line.js';
import { readReplayLog, type ReplayLog } from '../replay/replay-log.js';
import { printLine, stateDirOf, type Flags } from './common.js';

export async function replayCommand(flags: Flags & { speed?: string }): Promise<number> {
  const speed = parseSpeed(flags.speed);
  const runId = parseRunId(flags.run);
  const log = readReplayLog(stateDirOf(flags), runId);
  if (!wantsLiveUi(flags)) {
    printHeadless(log, flags);
    return ExitCode.ok;
  }
  const ui = await loadReplayUi();
  const { run } = log;
  const file = databasePath(stateDirOf(flags));
  const detail = async (unitId: string): Promise<UnitDetail | undefined> => {
    const store = Store.open(file, { readonly: true });
    try {
      return await loadUnitDetail(store, run.repo, run.id, unitId);
    } finally {
      store.close();
    }
  };
  await ui.runReplayUi({ events: log.events, info: log.info, speed, detail });
  return ExitCode.ok;
}

function parseRunId(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const runId = Number(text);
  if (!Number.isInteger(runId) || runId < 1)
    throw new UsageError(`--run takes a run number, like 3, not "${text}"; \`gaffer status\` names the runs`);
  return runId;
}

/** The log as `gaffer run --headless` printed it (the same lines, or --json's objects), all at once. */
function printHeadless(log: ReplayLog, flags: Flags): void {
  const { run, events } = log;
  if (!flags.json) {
    printLine(
      `replay of run #${run.id} of plan "${run.plan_name}" (${runStateText(run)}): ${events.length} events; worker output is not in the event log (each attempt's log file has it)`,
    );
  }
  const bus = new EventBus();
  attachHeadlessReporter(bus, { json: flags.json, verbose: false, write: printLine });
  for (const event of events) bus.publish(event);
}

function runStateText(run: ReplayLog['run']): string {
  // Still marked running, yet no live supervisor owns it (readReplayLog refuses a live one): cut off.
  if (run.status === 'running') return 'cut off: its supervisor stopped without ending it';
  return run.reason ? `${run.status}: ${run.reason}` : run.status;
}

/** React's production build while the screen loads, as for a run (components/render.tsx). */
async function loadReplayUi(): Promise<typeof import('../../components/replay/render-replay.js')> {
  const unset = process.env.NODE_ENV === undefined;
  if (unset) process.env.NODE_ENV = 'production';
  try {
    return await import('../../components/replay/render-replay.js');
  } finally {
    if (unset) delete process.env.NODE_ENV;
  }
}
