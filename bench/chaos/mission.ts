/**
 * One chaos mission: a fresh repository and plan, then `gaffer run` started
 * again and again, each start killed somewhere (until the mission's kills are
 * spent), until the run has ended; then the invariants. The harness never
 * touches git or the state database itself: what gaffer cannot resume from on
 * its own is counted as a manual repair and ends the mission.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { checkInvariants } from './invariants.js';
import { planKill } from './kill-plan.js';
import {
  createMission,
  GREEN_BRANCH,
  missionUnits,
  WORKING_BRANCH,
  type ChaosUnit,
  type MissionFiles,
  type MissionSettings,
} from './mission-plan.js';
import { fingerprint, readMissionState, type MissionState } from './mission-state.js';
import { killMarked } from './processes.js';
import { Random } from './random.js';
import { describeKill, hasStackTrace, startSupervisor, type StartOutcome } from './supervisor-start.js';
import type { Violation } from './violations.js';

export interface MissionOptions {
  index: number;
  seed: number;
  /** Kills to land in this mission at most; then one start runs to the end. */
  killBudget: number;
  batchSize: number;
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

/** Starts that end on their own, unacceptably, with nothing changed, before the harness gives up. */
const STALLED_STARTS = 3;
/** Starts beyond the kill budget before a mission that will not end is given up. */
const EXTRA_STARTS = 6;
const BRANCHES = { working: WORKING_BRANCH, green: GREEN_BRANCH };

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
    `mission ${options.index}: seed ${options.seed}, ${units.length} units, batch ${settings.batchSize}, concurrency ${settings.concurrency}, maxAttempts ${settings.maxAttempts}, up to ${options.killBudget} kills, in ${options.dir}`,
  );
  const kills: string[] = [];
  const violations: Violation[] = [];
  const context = (): string =>
    `mission ${options.index} (seed ${options.seed}), kills so far: ${kills.join(', ') || 'none'}`;
  let state: MissionState = readMissionState(files.repo, files.stateDir, BRANCHES);
  let stalled = 0;
  let lastStall = '';
  let starts = 0;
  try {
    for (;;) {
      starts += 1;
      if (starts > options.killBudget + EXTRA_STARTS) {
        violations.push({
          counter: 'manual_repairs',
          detail: `the mission did not end after ${starts - 1} starts; ${context()}`,
        });
        break;
      }
      const unsettled =
        state.units.length === 0
          ? units.length
          : state.units.filter((unit) => ['pending', 'running', 'merging'].includes(unit.status)).length;
      const kill = kills.length < options.killBudget ? planKill(random, unsettled) : undefined;
      const outcome = await startSupervisor({
        cli: options.cli,
        configPath: files.configPath,
        token,
        kill,
        timeoutMs: options.startTimeoutMs,
        stdoutPath: path.join(files.dir, `start-${String(starts).padStart(2, '0')}.stdout`),
        stderrPath: path.join(files.dir, `start-${String(starts).padStart(2, '0')}.stderr`),
      });
      state = readMissionState(files.repo, files.stateDir, BRANCHES);
      const run = state.runs.at(-1);
      const seconds = (outcome.durationMs / 1000).toFixed(1);
      if (outcome.killed && kill) {
        kills.push(describeKill(kill));
        options.log(
          `  start ${starts}: killed ${describeKill(kill)} after ${seconds} s (${progress(state)})`,
        );
      } else {
        options.log(
          `  start ${starts}: ${outcome.hung ? 'hung, killed' : `exit ${outcome.exitCode ?? outcome.signal}`} after ${seconds} s${kill ? ` (${describeKill(kill)} never reached)` : ''} (${progress(state)})`,
        );
      }
      const said = unexpectedStderr(outcome.stderr);
      if (said !== '') options.log(`    stderr: ${said}`);
      if (hasStackTrace(outcome.stderr)) {
        violations.push({
          counter: 'bad_exits',
          detail: `start ${starts} printed a stack trace: ${excerpt(outcome.stderr)}; ${context()}`,
        });
      }
      if (outcome.hung) {
        violations.push({
          counter: 'manual_repairs',
          detail: `start ${starts} hung for ${options.startTimeoutMs / 1000} s and had to be killed (${progress(state)}); ${context()}`,
        });
        break;
      }
      if (outcome.killed) {
        // Killed after the run was recorded as completed (the `completed` step): the mission is over.
        if (run?.status === 'completed') break;
        continue;
      }
      const problem = exitProblem(outcome, state, units);
      if (problem !== undefined) {
        violations.push({ counter: 'bad_exits', detail: `start ${starts}: ${problem}; ${context()}` });
      }
      if (run !== undefined && run.status !== 'running' && run.status !== 'interrupted') break;
      const now = `${outcome.exitCode}:${fingerprint(state)}`;
      stalled = now === lastStall ? stalled + 1 : 1;
      lastStall = now;
      if (stalled >= STALLED_STARTS) {
        violations.push({
          counter: 'manual_repairs',
          detail: `${STALLED_STARTS} starts in a row ended with exit ${outcome.exitCode} and changed nothing (run ${run ? `#${run.id} ${run.status}` : 'none'}; stderr: ${excerpt(outcome.stderr)}); ${context()}`,
        });
        break;
      }
    }
    violations.push(
      ...(await checkInvariants({ files, units, maxAttempts: settings.maxAttempts, token, state })).map(
        (violation) => ({ ...violation, detail: `${violation.detail}; ${context()}` }),
      ),
    );
    if (options.rerunCheck) violations.push(...(await rerunAfterEnd(options, files, token, state)));
  } finally {
    killMarked(token);
    liveTokens.delete(token);
  }
  const report: MissionReport = {
    index: options.index,
    seed: options.seed,
    settings,
    kills,
    starts,
    unitsDone: state.units.filter((unit) => unit.status === 'done').length,
    violations,
    runStatus: state.runs.at(-1)?.status ?? 'none',
    seconds: (performance.now() - started) / 1000,
  };
  options.log(
    `mission ${options.index} ended: run ${report.runStatus}, ${report.unitsDone} of ${units.length} units done, ${kills.length} kills, ${starts} starts, ${violations.length} violations, ${report.seconds.toFixed(0)} s`,
  );
  return report;
}

/**
 * Why a start that ended on its own ended wrongly, if it did: 0 is a completed
 * run; 10 a completed run whose red unit failed (or a run out of rounds,
 * which the invariants report); anything else is not a way to end.
 */
function exitProblem(
  outcome: StartOutcome,
  state: MissionState,
  units: readonly ChaosUnit[],
): string | undefined {
  const run = state.runs.at(-1);
  const redFailed = units.some(
    (unit) => unit.role === 'red' && state.units.find((row) => row.id === unit.id)?.status === 'failed',
  );
  if (outcome.exitCode === 0 && run?.status === 'completed') return undefined;
  if (outcome.exitCode === 10 && (redFailed || run?.status === 'unfinished')) return undefined;
  return `exit ${outcome.exitCode ?? outcome.signal} with the run ${run ? `#${run.id} ${run.status}${run.reason ? ` (${run.reason})` : ''}` : 'not created'}; stderr: ${excerpt(outcome.stderr)}`;
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
  const violations: Violation[] = [];
  if (after.runs.length > before.runs.length) {
    violations.push({
      counter: 'leftovers',
      detail: `gaffer run after the mission ended started run #${after.runs.at(-1)?.id} instead of saying run #${before.runs.at(-1)?.id} is over; mission ${options.index} (seed ${options.seed})`,
    });
  } else if (outcome.exitCode !== 0 && outcome.exitCode !== 10) {
    violations.push({
      counter: 'bad_exits',
      detail: `gaffer run after the mission ended exited ${outcome.exitCode ?? outcome.signal}: ${excerpt(outcome.stderr)}; mission ${options.index} (seed ${options.seed})`,
    });
  }
  return violations;
}

/** What a start printed on stderr besides the chaos step's own line. */
function unexpectedStderr(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('gaffer-chaos: '));
  return lines.length === 0 ? '' : excerpt(lines.join('\n'));
}

function progress(state: MissionState): string {
  const counts = new Map<string, number>();
  for (const unit of state.units) counts.set(unit.status, (counts.get(unit.status) ?? 0) + 1);
  const run = state.runs.at(-1);
  const units = [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
  return run ? `run #${run.id} ${run.status}: ${units}` : 'no run yet';
}

function excerpt(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return '(empty)';
  const lines = trimmed.split('\n');
  return lines.slice(0, 6).join(' | ') + (lines.length > 6 ? ' | …' : '');
}

/** Removes a mission's folder, unless asked to keep it. */
export function removeMission(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
