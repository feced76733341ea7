import fs from 'node:fs';
import { loadConfig } from '../config/load.js';
import { planNextAttempt } from '../controller/next-attempt.js';
import { ExitCode, UsageError } from '../errors.js';
import { databasePath } from '../state-dir.js';
import { Store } from '../store/store.js';
import { redact } from '../util/redact.js';
import { toTerminalText } from '../util/terminal-text.js';
import { buildPrompt } from '../workers/prompt.js';
import { configPathOf, loadPlanFor, type Flags } from './common.js';

/**
 * `gaffer prompt <unit>`: prints exactly what the unit's next attempt would
 * get (the scheduler's own decision, read from the store; no supervisor need
 * run), and on stderr whether it would start warm or cold, and why.
 */
export function promptCommand(flags: Flags, args: string[]): number {
  const [unitId, extra] = args;
  if (unitId === undefined) throw new UsageError('name the unit: `gaffer prompt <unit>`');
  if (extra !== undefined)
    throw new UsageError(`unexpected argument "${extra}": \`gaffer prompt\` takes one unit`);
  const { config, baseDir } = loadConfig(configPathOf(flags));
  const plan = loadPlanFor(config, flags, baseDir);
  const runId = flags.run === undefined ? undefined : Number.parseInt(flags.run, 10);
  if (runId !== undefined && !Number.isInteger(runId))
    throw new UsageError(`--run takes a run number, not "${flags.run}"`);
  const stateDir = flags.state ?? config.stateDir;
  const databaseFile = databasePath(stateDir);
  const store = fs.existsSync(databaseFile) ? Store.open(databaseFile, { readonly: true }) : undefined;
  try {
    const run = runId === undefined ? store?.runs.latest() : store?.runs.get(runId);
    if (runId !== undefined && !run)
      throw new UsageError(`there is no run #${runId} in ${stateDir}: leave --run out for the latest`);
    const planUnit = plan.units.find((unit) => unit.id === unitId);
    const agent = planUnit?.agent ?? config.agent;
    if (!store || !run) {
      // No run yet: the first attempt of a plan unit, from the plan alone.
      if (!planUnit)
        throw unknownUnit(
          unitId,
          plan.units.map((unit) => unit.id),
        );
      header(
        `attempt 1 of ${unitId} would start cold: the first attempt (no run recorded in ${stateDir} yet)`,
      );
      printPrompt(buildPrompt({ objective: plan.objective, unit: planUnit }));
      return ExitCode.ok;
    }
    const row = store.units.get(run.id, unitId);
    if (!row)
      throw unknownUnit(
        unitId,
        store.units.all(run.id).map((unit) => unit.id),
        run.id,
      );
    if (row.status === 'done') {
      header(`${unitId} is done in run #${run.id} (${row.reason}): it gets no further attempt`);
      return ExitCode.ok;
    }
    const next = planNextAttempt(store, {
      runId: run.id,
      unitId,
      ...(planUnit ? { unit: { id: unitId, title: planUnit.title, prompt: planUnit.prompt } } : {}),
      objective: plan.objective,
      agent,
      warmRetry: config.warmRetry,
    });
    const resumes = next.resumeSessionId === undefined ? '' : ` (resumes session ${next.resumeSessionId})`;
    header(
      `attempt ${next.attempt} of ${unitId} in run #${run.id} (now ${next.unitStatus}) would start ${next.startMode}${resumes}: ${next.startReason}`,
    );
    printPrompt(next.prompt);
    return ExitCode.ok;
  } finally {
    store?.close();
  }
}

/** Exactly the prompt when piped; on a terminal, no control sequence of quoted output gets through. */
function printPrompt(prompt: string): void {
  process.stdout.write(process.stdout.isTTY ? toTerminalText(prompt, { multiline: true }) : prompt);
}

function unknownUnit(unitId: string, known: string[], runId?: number): UsageError {
  const where = runId === undefined ? 'the plan' : `run #${runId}`;
  return new UsageError(`there is no unit "${unitId}" in ${where} (units: ${known.join(', ')})`);
}

function header(line: string): void {
  process.stderr.write(`gaffer: ${redact(toTerminalText(line))}\n`);
}
