/**
 * `gaffer status`: what the state database says about a run, no supervisor
 * needed. This module loads only what status uses (the store, the report):
 * not the config's schema and agents (they load only when a config names the
 * state folder), never the screen; at 10,000 units the answer is due in 0.3 s,
 * and node itself takes half of that to start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, UsageError } from '../errors.js';
import { databasePath } from '../state-db-path.js';
import { fitsFullListing, formatStatusOverview, readStatusOverview, statusRun } from '../status-overview.js';
import { formatStatus, readStatus, statusWidth } from '../status.js';
import { Store } from '../store/store.js';
import type { Flags } from './common.js';
import { printLine } from './print-line.js';

export async function statusCommand(flags: Flags): Promise<number> {
  const stateDir = await stateDirOf(flags);
  const store = Store.open(databasePath(stateDir), { readonly: true });
  try {
    const runId = flags.run === undefined ? undefined : Number.parseInt(flags.run, 10);
    if (runId !== undefined && !Number.isInteger(runId))
      throw new UsageError(`--run takes a run number, not "${flags.run}"`);
    const run = statusRun(store, runId);
    if (!run && runId !== undefined) throw new UsageError(missingRunMessage(store, runId, stateDir));
    if (!run) {
      process.stdout.write(flags.json ? 'null\n' : `no runs recorded in ${stateDir} yet\n`);
      return ExitCode.ok;
    }
    if (flags.json) {
      printLine(JSON.stringify(readStatus(store, run.id), null, 2));
      return ExitCode.ok;
    }
    const width = statusWidth(process.stdout, process.env, (message) =>
      process.stderr.write(`gaffer: ${message}\n`),
    );
    const report = flags.all || fitsFullListing(store, run.id) ? readStatus(store, run.id) : undefined;
    printLine(
      report
        ? formatStatus(report, { width })
        : formatStatusOverview(readStatusOverview(store, run), { width }),
    );
    return ExitCode.ok;
  } finally {
    store.close();
  }
}

/**
 * The state folder: --state, else the config's (loaded only then: the
 * config's modules are most of a command's start-up), else .gaffer. The same
 * answer as the other commands' stateDirOf in common.ts.
 */
async function stateDirOf(flags: Flags): Promise<string> {
  if (flags.state) return path.resolve(flags.state);
  if (flags.config || fs.existsSync('gaffer.json')) {
    const { loadConfig } = await import('../config/load.js');
    return loadConfig(path.resolve(flags.config ?? 'gaffer.json')).config.stateDir;
  }
  return path.resolve('.gaffer');
}

function missingRunMessage(store: Store, runId: number, stateDir: string): string {
  // Raw SQL: the runs table has no "list ids" query and the store is outside this command.
  const ids = (store.db.prepare('SELECT id FROM runs ORDER BY id').all() as { id: number }[]).map(
    (row) => row.id,
  );
  return ids.length === 0
    ? `there is no run #${runId}: no runs are recorded in ${stateDir} yet; run \`gaffer run\` first`
    : `there is no run #${runId} in ${stateDir} (runs: ${ids.map((id) => `#${id}`).join(', ')}): pass one of them to --run, or leave --run out for the latest`;
}
