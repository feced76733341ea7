/**
 * What `gaffer replay` plays: one run's event log, read from the state
 * database opened read-only, and what a screen needs before the first event
 * (the plan's units as they were before it: the log moves them from there).
 *
 * Worker output is not in the log (it goes to each attempt's log file), and
 * neither is running usage: a replay shows every state change, not what the
 * agents printed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, StateError, UsageError } from '../errors.js';
import type { GafferEvent, UnitStatus } from '../events/types.js';
import type { MissionInfo } from '../controller/mission.js';
import { NO_SPEND } from '../report/cost.js';
import { databasePath, logDirFor } from '../state-dir.js';
import type { RunRow } from '../store/runs.js';
import { Store } from '../store/store.js';
import { processAlive } from '../workers/process-group.js';

export interface ReplayLog {
  run: RunRow;
  events: GafferEvent[];
  /** The screen's start: the plan's units as they were before the first event. */
  info: MissionInfo & { concurrency?: number; maxAttempts?: number };
}

/**
 * Reads run `runId` (default: the newest) of the state folder. Refuses a
 * missing database, an empty one, a run that does not exist and a run a live
 * supervisor is still running, each with its own exit code and the fix.
 */
export function readReplayLog(stateDir: string, runId: number | undefined): ReplayLog {
  const file = databasePath(stateDir);
  if (!fs.existsSync(file)) {
    throw new StateError(
      `no state database at ${file}: nothing to replay; run \`gaffer run\` with this config first, or pass --state <folder> where a run was recorded`,
    );
  }
  const store = Store.open(file, { readonly: true });
  try {
    const run = chooseRun(store, stateDir, runId);
    refuseLiveRun(run, stateDir);
    const events = store.events
      .forRun(run.id)
      .map(
        (row) => ({ type: row.type, at: row.at, payload: JSON.parse(row.payload) as unknown }) as GafferEvent,
      );
    return { run, events, info: startInfo(store, run, stateDir, events) };
  } finally {
    store.close();
  }
}

function chooseRun(store: Store, stateDir: string, runId: number | undefined): RunRow {
  if (runId === undefined) {
    const latest = store.runs.latest();
    if (latest) return latest;
    throw new StateError(
      `no runs are recorded in ${stateDir} yet: nothing to replay; run \`gaffer run\` with this config first`,
    );
  }
  const run = store.runs.get(runId);
  if (run) return run;
  // Raw SQL: the runs table has no "list ids" query (as in `gaffer status`).
  const ids = (store.db.prepare('SELECT id FROM runs ORDER BY id').all() as { id: number }[]).map(
    (row) => `#${row.id}`,
  );
  throw new UsageError(
    ids.length === 0
      ? `there is no run #${runId}: no runs are recorded in ${stateDir} yet; run \`gaffer run\` first`
      : `there is no run #${runId} in ${stateDir} (runs: ${ids.join(', ')}): pass one of them to --run, or leave --run out for the newest`,
  );
}

/**
 * A run still marked running whose supervisor holds the state folder's lock
 * is live: its own screen shows it, and its log is still growing. A run
 * marked running with no live owner was cut off (a crash): it plays.
 */
function refuseLiveRun(run: RunRow, stateDir: string): void {
  if (run.status !== 'running') return;
  const owner = lockOwner(stateDir);
  if (owner === undefined) return;
  throw new StateError(
    `run #${run.id} is still running under a live supervisor (pid ${owner}): watch it on that supervisor's screen (the terminal that ran \`gaffer run\`), or follow it with \`gaffer status\`; replay plays finished or interrupted runs, so replay it once it ends, or pass --run <earlier run>`,
    ExitCode.busy,
  );
}

function lockOwner(stateDir: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(stateDir, 'supervisor.lock'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid !== process.pid && processAlive(pid) ? pid : undefined;
}

/**
 * Every status change is an event, so a unit's status before the log is the
 * `from` of its first unit:state event, or, with none, the status it has
 * now (a unit a new run started as done because its change had landed).
 */
function startInfo(
  store: Store,
  run: RunRow,
  stateDir: string,
  events: readonly GafferEvent[],
): ReplayLog['info'] {
  const dependencies = store.units.dependencies(run.id);
  const firstStatus = new Map<string, UnitStatus>();
  for (const event of events) {
    if (event.type === 'unit:state' && !firstStatus.has(event.payload.unitId))
      firstStatus.set(event.payload.unitId, event.payload.from);
  }
  const settings = runSettings(run.config_json);
  return {
    runId: run.id,
    planName: run.plan_name,
    maxRounds: run.max_rounds,
    // Units that joined later (edits, discovery, fixups) arrive as unit:added events.
    units: store.units
      .all(run.id)
      .filter((row) => row.origin === 'plan')
      .map((row) => ({
        id: row.id,
        title: row.title,
        dependsOn: dependencies.get(row.id) ?? [],
        status: firstStatus.get(row.id) ?? row.status,
        origin: row.origin,
        discoveredFrom: row.discovered_from,
      })),
    proposals: [],
    logDir: logDirFor(stateDir, run.id),
    spent: NO_SPEND,
    ...settings,
  };
}

/** The slots and attempts the run was configured with (its stored config), when readable. */
function runSettings(configJson: string): { concurrency?: number; maxAttempts?: number } {
  try {
    const config = JSON.parse(configJson) as { concurrency?: unknown; maxAttempts?: unknown };
    return {
      ...(typeof config.concurrency === 'number' ? { concurrency: config.concurrency } : {}),
      ...(typeof config.maxAttempts === 'number' ? { maxAttempts: config.maxAttempts } : {}),
    };
  } catch {
    return {};
  }
}
