/**
 * The heart of a mission: `gaffer run` started again and again, each start
 * killed somewhere until the mission's kills are spent, until the run has
 * ended. The harness never touches git or the state database itself: a start
 * that ends wrongly is a violation, and when starts stop changing anything,
 * or one hangs, the mission ends with a manual repair counted.
 */
import path from 'node:path';
import { planKill } from './kill-plan.js';
import { GREEN_BRANCH, WORKING_BRANCH, type ChaosUnit, type MissionFiles } from './mission-plan.js';
import { fingerprint, readMissionState, type MissionState } from './mission-state.js';
import type { Random } from './random.js';
import { describeKill, hasStackTrace, startSupervisor, type StartOutcome } from './supervisor-start.js';
import type { Violation } from './violations.js';

export const BRANCHES = { working: WORKING_BRANCH, green: GREEN_BRANCH };

export interface RestartOptions {
  files: MissionFiles;
  units: readonly ChaosUnit[];
  random: Random;
  cli: string;
  token: string;
  killBudget: number;
  startTimeoutMs: number;
  log: (line: string) => void;
  /** Names the mission and its seed in every violation. */
  label: string;
}

export interface RestartResult {
  kills: string[];
  starts: number;
  state: MissionState;
  violations: Violation[];
  /** Names the mission and the kills so far: enough to replay a violation. */
  context: () => string;
}

/** Starts that end on their own, unacceptably, with nothing changed, before the harness gives up. */
const STALLED_STARTS = 3;
/** Starts beyond the kill budget before a mission that will not end is given up. */
const EXTRA_STARTS = 6;

export async function restartUntilEnded(options: RestartOptions): Promise<RestartResult> {
  const { files, units, log } = options;
  const kills: string[] = [];
  const violations: Violation[] = [];
  const context = (): string => `${options.label}, kills so far: ${kills.join(', ') || 'none'}`;
  let state = readMissionState(files.repo, files.stateDir, BRANCHES);
  let stalled = 0;
  let lastExit = '';
  let starts = 0;
  for (;;) {
    starts += 1;
    if (starts > options.killBudget + EXTRA_STARTS) {
      violations.push({
        counter: 'manual_repairs',
        detail: `the mission did not end after ${starts - 1} starts; ${context()}`,
      });
      break;
    }
    const kill =
      kills.length < options.killBudget ? planKill(options.random, unsettled(state, units)) : undefined;
    const name = `start-${String(starts).padStart(2, '0')}`;
    const outcome = await startSupervisor({
      cli: options.cli,
      configPath: files.configPath,
      token: options.token,
      kill,
      timeoutMs: options.startTimeoutMs,
      stdoutPath: path.join(files.dir, `${name}.stdout`),
      stderrPath: path.join(files.dir, `${name}.stderr`),
    });
    state = readMissionState(files.repo, files.stateDir, BRANCHES);
    const run = state.runs.at(-1);
    const seconds = (outcome.durationMs / 1000).toFixed(1);
    if (outcome.killed && kill) {
      kills.push(describeKill(kill));
      log(`  start ${starts}: killed ${describeKill(kill)} after ${seconds} s (${progress(state)})`);
    } else {
      const ending = outcome.hung ? 'hung, killed' : `exit ${outcome.exitCode ?? outcome.signal}`;
      const unused = kill ? ` (${describeKill(kill)} never reached)` : '';
      log(`  start ${starts}: ${ending} after ${seconds} s${unused} (${progress(state)})`);
    }
    const said = unexpectedStderr(outcome.stderr);
    if (said !== '') log(`    stderr: ${said}`);
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
      // Killed once the run was recorded as completed (the `completed` step): the mission is over.
      if (run?.status === 'completed') break;
      continue;
    }
    const problem = exitProblem(outcome, state, units);
    if (problem !== undefined) {
      violations.push({ counter: 'bad_exits', detail: `start ${starts}: ${problem}; ${context()}` });
    }
    // Completed, out of rounds or failed: a further start would open a new run, not resume this one.
    if (run !== undefined && run.status !== 'running' && run.status !== 'interrupted') break;
    const exit = `${outcome.exitCode}:${fingerprint(state)}`;
    stalled = exit === lastExit ? stalled + 1 : 1;
    lastExit = exit;
    if (stalled >= STALLED_STARTS) {
      violations.push({
        counter: 'manual_repairs',
        detail: `${STALLED_STARTS} starts in a row ended with exit ${outcome.exitCode} and changed nothing (run ${run ? `#${run.id} ${run.status}` : 'none'}; stderr: ${excerpt(outcome.stderr)}); ${context()}`,
      });
      break;
    }
  }
  return { kills, starts, state, violations, context };
}

/** Units still to run or merge; before the first run exists, all of them. */
function unsettled(state: MissionState, units: readonly ChaosUnit[]): number {
  if (state.units.length === 0) return units.length;
  return state.units.filter((unit) => ['pending', 'running', 'merging'].includes(unit.status)).length;
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

/** What a start printed on stderr besides the chaos step's own line. */
function unexpectedStderr(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('gaffer-chaos: '));
  return lines.length === 0 ? '' : excerpt(lines.join('\n'));
}

export function progress(state: MissionState): string {
  const counts = new Map<string, number>();
  for (const unit of state.units) counts.set(unit.status, (counts.get(unit.status) ?? 0) + 1);
  const run = state.runs.at(-1);
  const units = [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
  return run ? `run #${run.id} ${run.status}: ${units}` : 'no run yet';
}

/** The first lines of a process's output, on one line. */
export function excerpt(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return '(empty)';
  const lines = trimmed.split('\n');
  return lines.slice(0, 6).join(' | ') + (lines.length > 6 ? ' | …' : '');
}
