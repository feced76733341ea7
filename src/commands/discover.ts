import fs from 'node:fs';
import { loadConfig } from '../config/load.js';
import { Discovery } from '../controller/discovery.js';
import { PlanBook } from '../controller/plan-book.js';
import { reopenRun } from '../controller/operator.js';
import { Recorder } from '../controller/recorder.js';
import { Rounds } from '../controller/rounds.js';
import { UnitLedger } from '../controller/unit-ledger.js';
import { ExitCode, StateError, UsageError } from '../errors.js';
import { EventBus } from '../events/bus.js';
import { branchTip } from '../git/git.js';
import { loadPlan } from '../plan/load.js';
import { attachHeadlessReporter } from '../report/headless.js';
import { databasePath, prepareStateDir, SupervisorLock } from '../state-dir.js';
import { Store } from '../store/store.js';
import { configPathOf, planPathFor, printLine, type Flags } from './common.js';

/**
 * `gaffer discover`: discovery on the latest run while no supervisor runs
 * (with one running, its `d` key does the same). It proposes units from the
 * latest health snapshot's failures and from the discovery agent when one
 * is configured, and lists the proposals waiting. `--accept <id>` and
 * `--reject <id>` decide one; an accepted unit runs when `gaffer run`
 * resumes the run.
 */
export async function discoverCommand(flags: Flags): Promise<number> {
  const { config, baseDir } = loadConfig(configPathOf(flags));
  const planPath = planPathFor(config, flags, baseDir);
  const plan = loadPlan(planPath);
  const databaseFile = databasePath(config.stateDir);
  if (!fs.existsSync(databaseFile))
    throw new StateError(`no state database at ${databaseFile}: run \`gaffer run\` first`);
  const accept = proposalNumber(flags.accept, '--accept');
  const reject = proposalNumber(flags.reject, '--reject');
  if (accept !== undefined && reject !== undefined)
    throw new UsageError('pass --accept or --reject, not both');
  prepareStateDir(config.repo, config.stateDir);
  // Refused while a supervisor runs on this state folder: its d key and p view do this live.
  const lock = SupervisorLock.acquire(config.stateDir);
  const store = Store.open(databaseFile);
  try {
    const run = store.runs.latest();
    if (!run) throw new StateError('no run is recorded in this state folder: run `gaffer run` first');
    const bus = new EventBus();
    attachHeadlessReporter(bus, { json: flags.json, verbose: false, write: printLine });
    const recorder = new Recorder(store, bus);
    const ledger = new UnitLedger(recorder, run.id, config.maxAttempts, store.units.dependencies(run.id));
    const book = new PlanBook(recorder, ledger, run.id, plan);
    const rounds = new Rounds(recorder, run.id);
    const working = await branchTip(config.repo, config.branches.working);
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    const discovery = new Discovery({
      recorder,
      runId: run.id,
      book,
      config,
      repo: config.repo,
      stateDir: config.stateDir,
      signal: stop.signal,
      round: () => (rounds.last === 0 ? null : rounds.last),
      workingTip: () => working,
      onAdded: () => undefined,
    });
    try {
      if (accept !== undefined || reject !== undefined) {
        const answer = accept !== undefined ? discovery.accept(accept) : discovery.reject(reject ?? 0);
        if (!answer.ok) throw new UsageError(answer.message);
        // An accepted unit must run: a finished run becomes resumable, with a round for it.
        if (accept !== undefined) {
          const reason = `${answer.message}: run \`gaffer run\` to continue`;
          recorder.record([], () => reopenRun(store, rounds, run, reason));
        }
        if (!flags.json) printLine(answer.message);
        return ExitCode.ok;
      }
      const answer = discovery.runNow('gaffer discover', store.health.latest(run.id));
      if (!answer.ok) throw new UsageError(answer.message);
      await discovery.idle();
      const open = discovery.open();
      if (!flags.json) {
        printLine(
          open.length === 0
            ? 'no proposals wait for a decision'
            : [
                `${open.length} proposal(s) wait for a decision (gaffer discover --accept <id> or --reject <id>):`,
                ...open.map(
                  (proposal) =>
                    `  #${proposal.id} ${proposal.unitId}: ${proposal.title} (from ${proposal.discoveredFrom})`,
                ),
              ].join('\n'),
        );
      }
      return ExitCode.ok;
    } finally {
      process.off('SIGINT', onSignal);
    }
  } finally {
    store.close();
    lock.release();
  }
}

function proposalNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const id = Number(value.replace(/^#/, ''));
  if (!Number.isInteger(id) || id <= 0)
    throw new UsageError(
      `${flag} takes a proposal number (as \`gaffer discover\` lists them), not "${value}"`,
    );
  return id;
}
