/**
 * One chaos mission: a fresh repository and plan (mission-plan.ts), `gaffer
 * run` restarted until the run has ended with kills along the way
 * (restart-loop.ts), then the invariants (invariants.ts) and, when asked, one
 * more start that must not open a new run.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { checkInvariants } from './invariants.js';
import { createMission, missionUnits, type MissionFiles, type MissionSettings } from './mission-plan.js';
import { readMissionState, type MissionState } from './mission-state.js';
import { killMarked } from './processes.js';
import { Random } from './random.js';
import { BRANCHES, excerpt, restartUntilEnded, type RestartResult } from './restart-loop.js';
import { startSupervisor } from './supervisor-start.js';
import type { Violation } from './violations.js';

export interface MissionOptions {
  index: number;
  seed: number;
  /** Kills to land in this mission at most; then one start runs to the end. */
  killBudget: number;
  batchSize: number;
  verifiers: number;
  small: boolean;
  cli: string;
  /** The mission's folder (created here). */
  dir: string;
  startTimeoutMs: number;
  /** After the end, `gaffer run` once more: it must say the run is over and start no new one. */
  rerunCheck: boolean;
  log: (line: string) => void;
}

export interface MissionReport {
  index: number;
  seed: number;
  settings: MissionSettings;
  kills: string[];
  starts: number;
  unitsDone: number;
  violations: Violation[];
  runStatus: string;
  seconds: number;
}

/** Tokens of missions under way, for an interrupted harness to end their processes. */
const liveTokens = new Set<string>();

export function killLiveMissions(): void {
  for (const token of liveTokens) killMarked(token);
}

export async function runMission(options: MissionOptions): Promise<MissionReport> {
  const started = performance.now();
  const random = new Random(options.seed);
  const settings: MissionSettings = {
    batchSize: options.batchSize,
    verifiers: options.verifiers,
    concurrency: random.int(2, 3),
    maxAttempts: random.int(2, 3),
    maxRounds: 12,
  };
  const units = missionUnits(random, options.small);
  const files = createMission(options.dir, units, settings);
  // Letters and digits, then `:<n>`: the shape gaffer keeps when it nests marks.
  const token = `chaos${randomBytes(6).toString('hex')}:0`;
  liveTokens.add(token);
  options.log(
    `mission ${options.index}: seed ${options.seed}, ${units.length} units, batch ${settings.batchSize}, verifiers ${settings.verifiers}, concurrency ${settings.concurrency}, maxAttempts ${settings.maxAttempts}, up to ${options.killBudget} kills, in ${options.dir}`,
  );
  const label = `mission ${options.index} (seed ${options.seed})`;
  let outcome: RestartResult;
  try {
    outcome = await restartUntilEnded({
      files,
      units,
      random,
      cli: options.cli,
      token,
      killBudget: options.killBudget,
      startTimeoutMs: options.startTimeoutMs,
      log: options.log,
      label,
    });
    const found = await checkInvariants({
      files,
      units,
      maxAttempts: settings.maxAttempts,
      token,
      state: outcome.state,
    });
    const context = outcome.context();
    outcome.violations.push(
      ...found.map((violation) => ({ ...violation, detail: `${violation.detail}; ${context}` })),
    );
    if (options.rerunCheck)
      outcome.violations.push(...(await rerunAfterEnd(options, files, token, outcome.state)));
  } finally {
    killMarked(token);
    liveTokens.delete(token);
  }
  const report: MissionReport = {
    index: options.index,
    seed: options.seed,
    settings,
    kills: outcome.kills,
    starts: outcome.starts,
    unitsDone: outcome.state.units.filter((unit) => unit.status === 'done').length,
    violations: outcome.violations,
    runStatus: outcome.state.runs.at(-1)?.status ?? 'none',
    seconds: (performance.now() - started) / 1000,
  };
  options.log(
    `mission ${options.index} ended: run ${report.runStatus}, ${report.unitsDone} of ${units.length} units done, ${report.kills.length} kills, ${report.starts} starts, ${report.violations.length} violations, ${report.seconds.toFixed(0)} s`,
  );
  return report;
}

/** Once more after the end: gaffer must say the run is over, not start the plan again. */
async function rerunAfterEnd(
  options: MissionOptions,
  files: MissionFiles,
  token: string,
  before: MissionState,
): Promise<Violation[]> {
  const outcome = await startSupervisor({
    cli: options.cli,
    configPath: files.configPath,
    token,
    // A new run would redo the whole plan: its first attempt is enough to know.
    kill: { mode: 'tree', trigger: { kind: 'event', event: 'attempt:started', occurrence: 1 } },
    timeoutMs: options.startTimeoutMs,
    stdoutPath: path.join(files.dir, 'rerun.stdout'),
    stderrPath: path.join(files.dir, 'rerun.stderr'),
  });
  const after = readMissionState(files.repo, files.stateDir, BRANCHES);
  const label = `mission ${options.index} (seed ${options.seed})`;
  if (after.runs.length > before.runs.length) {
    return [
      {
        counter: 'leftovers',
        detail: `gaffer run after the mission ended started run #${after.runs.at(-1)?.id} instead of saying run #${before.runs.at(-1)?.id} is over; ${label}`,
      },
    ];
  }
  if (outcome.exitCode !== 0 && outcome.exitCode !== 10) {
    return [
      {
        counter: 'bad_exits',
        detail: `gaffer run after the mission ended exited ${outcome.exitCode ?? outcome.signal}: ${excerpt(outcome.stderr)}; ${label}`,
      },
    ];
  }
  return [];
}

/** Removes a mission's folder (kept when it holds violations or --keep was given). */
export function removeMission(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
