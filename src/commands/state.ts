import fs from 'node:fs';
import { loadConfig } from '../config/load.js';
import { retryUnit } from '../controller/operator.js';
import { describeSource } from '../git/source-repo.js';
import { clearStaleLocks } from '../git/stale-locks.js';
import { removeKeptAttempts, sweepAttemptBranches } from '../workers/attempt-refs.js';
import { ExitCode, StateError, UsageError } from '../errors.js';
import { EventBus } from '../events/bus.js';
import { attachHeadlessReporter } from '../report/headless.js';
import { databasePath, prepareStateDir, SupervisorLock } from '../state-dir.js';
import { Store } from '../store/store.js';
import { configPathOf, printLine, stateDirOf, type Flags } from './common.js';

export function retryCommand(flags: Flags, units: string[]): number {
  if (units.length === 0) throw new UsageError('name the unit to retry: `gaffer retry <unit>`');
  const stateDir = stateDirOf(flags);
  const hasConfig = flags.config !== undefined || fs.existsSync('gaffer.json');
  const config = hasConfig ? loadConfig(configPathOf(flags)).config : undefined;
  const maxAttempts = config?.maxAttempts ?? 3;
  const databaseFile = databasePath(stateDir);
  if (!fs.existsSync(databaseFile)) {
    throw new StateError(`no state database at ${databaseFile}: run \`gaffer run\` first`);
  }
  // Retry writes (the lock, the database): the folder must be one gaffer owns, as for a run.
  prepareStateDir(config?.repo, stateDir);
  const lock = SupervisorLock.acquire(stateDir);
  const store = Store.open(databaseFile);
  try {
    const bus = new EventBus();
    const write = printLine;
    attachHeadlessReporter(bus, { json: flags.json, verbose: false, write });
    for (const unit of units) retryUnit(store, bus, unit, maxAttempts);
    if (!flags.json) write('run `gaffer run` with the same config and plan to continue');
    return ExitCode.ok;
  } finally {
    store.close();
    lock.release();
  }
}

/**
 * `gaffer clean`: removes the attempt branches gaffer kept (work of failed or
 * rejected attempts, under refs/gaffer/attempts/), settles attempt branches
 * of ended attempts and removes lock files no live git process owns. Refuses
 * while a supervisor runs on the state folder.
 */
export async function cleanCommand(flags: Flags): Promise<number> {
  const config = loadConfig(configPathOf(flags)).config;
  const stateDir = config.stateDir;
  const databaseFile = databasePath(stateDir);
  prepareStateDir(config.repo, stateDir);
  const lock = SupervisorLock.acquire(stateDir);
  try {
    const source = await describeSource(config.repo);
    const locks = await clearStaleLocks(config.repo, source.commonDir);
    for (const file of locks.removed) printLine(`removed ${file} (a git process killed mid-write left it)`);
    for (const held of locks.held)
      printLine(`left ${held.lock}: held by live git process(es) ${held.pids.join(', ') || '(unknown)'}`);
    if (fs.existsSync(databaseFile)) {
      const store = Store.open(databaseFile);
      try {
        const swept = await sweepAttemptBranches(config.repo, store);
        if (swept.deleted.length > 0)
          printLine(`deleted ${swept.deleted.length} attempt branch(es) whose work ended`);
      } finally {
        store.close();
      }
    }
    const removed = await removeKeptAttempts(config.repo);
    printLine(
      removed.length === 0
        ? 'no kept attempt branches to remove'
        : `removed ${removed.length} kept attempt branch(es) under refs/gaffer/attempts/`,
    );
    return ExitCode.ok;
  } finally {
    lock.release();
  }
}
