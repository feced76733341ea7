import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { UiHandle } from '../../components/render.js';
import { loadConfig, parseConfig, resolveConfigPaths } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createSample } from '../demo/sample.js';
import type { MissionInfo } from '../../components/view-model/types.js';
import type { CommandResult } from '../controller/control.js';
import { retryUnit } from '../controller/operator.js';
import { ExitCode, GafferError, UsageError } from '../errors.js';
import { EventBus } from '../events/bus.js';
import { branchTip } from '../git/git.js';
import { gitProcessCount } from '../git/git-runner.js';
import { gitDirectoryCount } from '../git/isolated-workspace.js';
import { loadPlan } from '../plan/load.js';
import type { Plan } from '../plan/schema.js';
import { attachHeadlessReporter } from '../report/headless.js';
import { attachNotifier } from '../report/notify.js';
import { NO_SPEND } from '../report/cost.js';
import { formatSummary, summarizeRun } from '../report/summary.js';
import { SupervisorLock } from '../state-dir.js';
import type { SupervisorResult } from '../supervisor.js';
import { clearStartingLine, wantsLiveUi } from '../report/starting-line.js';
import { helperUsage } from '../util/helper-process.js';
import { terminalSafe, toTerminalText } from '../util/terminal-text.js';
import { redact } from '../util/redact.js';
import { killAllChildrenNow } from '../workers/process-marks.js';
import { processStartCount } from '../workers/process-starter.js';
import { configPathOf, planPathFor, printLine, type Flags } from './common.js';
import { planOutPath, printPlanSummary, writePlanFromObjective } from './plan.js';

export async function runCommand(flags: Flags): Promise<number> {
  const { config, baseDir } = loadConfig(configPathOf(flags));
  if (flags.objective !== undefined) {
    clearStartingLine();
    // No plan yet: a planner writes one; the operator reviews it unless --yes.
    const written = await writePlanFromObjective(
      config,
      flags,
      planOutPath(flags, config, flags.out, flags.plan),
    );
    printPlanSummary(written, flags);
    if (!flags.yes) return ExitCode.ok;
    return runMission(config, loadPlan(written.planPath), written.planPath, flags);
  }
  if (flags.yes)
    throw new UsageError('--yes only applies with --objective (it skips the review of the written plan)');
  const planPath = planPathFor(config, flags, baseDir);
  return runMission(config, loadPlan(planPath), planPath, flags);
}

export async function demoCommand(flags: Flags): Promise<number> {
  const sample = await createSample(flags.dir ? path.resolve(flags.dir) : undefined);
  const config = resolveConfigPaths(
    parseConfig(JSON.parse(fs.readFileSync(sample.configPath, 'utf8')), sample.configPath),
    sample.root,
  );
  const plan = loadPlan(sample.planPath);
  clearStartingLine();
  if (!flags.json) process.stdout.write(`gaffer demo: sample repository at ${sample.repo}\n`);
  const code = await runMission(config, plan, sample.planPath, flags);
  if (!flags.json) {
    process.stdout.write(
      `\nThe demo's failures are by design. Look around:\n  git -C ${sample.repo} log --oneline --graph --all\n  node ${process.argv[1] ?? 'gaffer'} status --config ${sample.configPath}\n`,
    );
  }
  return code === ExitCode.unitsUnfinished ? ExitCode.ok : code;
}

/** Runs a plan read from `planPath`; edits saved to that file while it runs are taken live. */
async function runMission(config: Config, plan: Plan, planPath: string, flags: Flags): Promise<number> {
  const finishLagReport = startLagReport();
  // The live UI, loaded only when it will draw: a terminal on both ends, no --headless/--json, not CI.
  const ui = wantsLiveUi(flags) ? await loadUi() : undefined;
  const stop = new AbortController();
  // The starting screen's q: a stop by the operator before the run's controls exist.
  const quit = new AbortController();
  let interrupts = 0;
  let hungUp = false;
  let screen: UiHandle | undefined;
  const closeScreen = async (): Promise<void> => {
    const open = screen;
    screen = undefined;
    await open?.unmount();
  };
  const forceQuit = (): never => {
    void closeScreen();
    // process.exit skips the graceful stop: end every agent and check, and
    // whatever they left running, before we go (the exit hook would too).
    killAllChildrenNow();
    writeQuietly(process.stderr, 'gaffer: forced to quit\n');
    process.exit(130);
  };
  clearStartingLine();
  // Mounted before preflight: the first frame says what the start is doing, and q works from it.
  screen = ui?.runUi({
    info: startingInfo(config, plan),
    onQuit: () => quit.abort(),
    onForceQuit: forceQuit,
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    // From now on output is best effort: after SIGHUP the terminal is gone
    // (EIO), after SIGTERM the reader may be (EPIPE). Neither may crash the stop.
    ignoreOutputErrors(screen !== undefined);
    // Closing a terminal delivers SIGHUP twice (the shell forwards one, the
    // kernel sends one when the shell exits): the same hangup, not a request to force.
    if (signal === 'SIGHUP' && hungUp) return;
    if (signal === 'SIGHUP') hungUp = true;
    // A Ctrl-C typed in the pager (`l`) reaches gaffer too (raw mode is off there): it is the pager's.
    if (signal === 'SIGINT' && ui?.pagerOpen()) return;
    interrupts += 1;
    if (interrupts > 1) forceQuit();
    // With the UI up, its header tells the story; a stderr line would tear the frame.
    if (!screen) {
      writeQuietly(
        process.stderr,
        `\ngaffer: ${signal}: stopping (attempts end, state stays resumable); press Ctrl-C again to force\n`,
      );
    }
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  const write = printLine;
  try {
    // The controller's modules load after the screen is up: they are not needed for its first frame.
    const { supervise } = await import('../supervisor.js');
    let fresh = flags.fresh || flags['new-run'];
    for (;;) {
      const shown = screen;
      const result = await supervise({
        config,
        plan,
        planPath: path.resolve(planPath),
        signal: stop.signal,
        quit: quit.signal,
        fresh,
        adopt: flags.adopt,
        subscribe: (bus) => {
          // The bell and OSC 9 go to a terminal only: never into a headless log or --json output.
          if (!flags.json && process.stderr.isTTY) {
            attachNotifier(bus, { ...config.notify, write: (text) => writeQuietly(process.stderr, text) });
          }
          if (!ui) attachHeadlessReporter(bus, { json: flags.json, verbose: flags.verbose, write });
        },
        onPhase: shown ? (phase) => shown.setPhase(phase) : undefined,
        attach: shown
          ? (bus, control, info) =>
              shown.attach(bus, control, {
                ...info,
                concurrency: config.concurrency,
                maxAttempts: config.maxAttempts,
              })
          : undefined,
        onListenerError: (error) =>
          screen
            ? undefined
            : process.stderr.write(`gaffer: a reporter failed: ${toTerminalText(redact(String(error)))}\n`),
      }).catch(async (error: unknown) => {
        await closeScreen();
        throw error;
      });
      fresh = false;
      if (
        shown &&
        flags.stay &&
        !result.alreadyCompleted &&
        result.stoppedBy !== 'operator' &&
        !stop.signal.aborted
      ) {
        // --stay: the final state stays on screen; r sends a unit back and the run resumes here.
        const again = await stayOpen(shown, result, config, stop.signal);
        if (again) {
          result.store.close();
          continue;
        }
      }
      await closeScreen();
      return await reportEnd(result, config, plan, flags);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    finishLagReport?.(ui !== undefined);
  }
}

/** What the screen knows before the run exists: the plan's units and the config's limits (no run yet: #0). */
function startingInfo(
  config: Config,
  plan: Plan,
): MissionInfo & { concurrency: number; maxAttempts: number } {
  return {
    runId: 0,
    planName: plan.name,
    maxRounds: config.rounds.max,
    units: plan.units.map((unit) => ({
      id: unit.id,
      title: unit.title,
      dependsOn: unit.depends_on,
      status: 'pending',
      origin: 'plan',
      discoveredFrom: null,
    })),
    proposals: [],
    logDir: '',
    spent: NO_SPEND,
    concurrency: config.concurrency,
    maxAttempts: config.maxAttempts,
  };
}

/**
 * --stay: after the run, the screen keeps its final state and the summary's
 * key facts; r on a failed, blocked or killed unit sends it back as
 * `gaffer retry` does (true: run again), q or a signal leaves (false).
 */
async function stayOpen(
  screen: UiHandle,
  result: SupervisorResult,
  config: Config,
  signal: AbortSignal,
): Promise<boolean> {
  const summary = summarizeRun(result.store, result.runId, {
    greenCommit: (await branchTip(config.repo, config.branches.green)) ?? null,
    workingCommit: null,
    databasePath: result.databasePath,
  });
  const u = summary.units;
  // The green note comes last: it can be long, and the footer cuts the end of a line.
  screen.say(
    `run #${summary.runId} ${summary.status}: ${u.done} done, ${u.failed} failed, ${u.blocked} blocked, ${u.killed} killed · r on a failed unit runs it again, q leaves · green ${summary.green}`,
    'info',
  );
  const retry = (unitId: string): CommandResult => {
    try {
      // The supervisor's lock is free between runs: taken for the retry, as `gaffer retry` takes it.
      const lock = SupervisorLock.acquire(config.stateDir);
      try {
        retryUnit(result.store, new EventBus(), unitId, config.maxAttempts);
      } finally {
        lock.release();
      }
      return {
        ok: true,
        message: `${unitId} is pending again with fresh attempts: run #${result.runId} resumes`,
      };
    } catch (error) {
      if (error instanceof GafferError) return { ok: false, message: error.message };
      throw error;
    }
  };
  const leave = new Promise<'quit'>((resolve) => {
    if (signal.aborted) resolve('quit');
    else signal.addEventListener('abort', () => resolve('quit'), { once: true });
  });
  return (await Promise.race([screen.stay(retry), leave])) === 'again';
}

/** The summary after the screen is gone, and the exit code it means. */
async function reportEnd(
  result: SupervisorResult,
  config: Config,
  plan: Plan,
  flags: Flags,
): Promise<number> {
  const write = printLine;
  try {
    if (result.alreadyCompleted) {
      const message = `run #${result.runId} of plan "${plan.name}" has already completed: nothing to do. \`gaffer run --new-run\` starts a new run (units whose change is already in ${config.branches.working} are skipped)`;
      write(
        flags.json ? JSON.stringify({ type: 'already-completed', runId: result.runId, message }) : message,
      );
    }
    const summary = summarizeRun(result.store, result.runId, {
      greenCommit: (await branchTip(config.repo, config.branches.green)) ?? null,
      workingCommit: (await branchTip(config.repo, config.branches.working)) ?? null,
      databasePath: result.databasePath,
    });
    write(
      flags.json
        ? JSON.stringify(terminalSafe({ type: 'summary', ...summary }))
        : `\n${formatSummary(summary)}`,
    );
    // Someone else moved a branch or planted code: a distinct code, so scripts notice.
    if (result.stoppedBy === 'tampered') return ExitCode.tampered;
    if (result.stoppedBy === 'agent-auth') return ExitCode.agentAuth;
    // A quit asked for by the operator (the UI's q) is a clean end; a signal is not.
    if (result.status === 'interrupted') return result.stoppedBy === 'operator' ? ExitCode.ok : 130;
    const unfinished =
      summary.units.failed +
      summary.units.blocked +
      summary.units.pending +
      summary.units.killed +
      summary.units.merging;
    return unfinished === 0 ? ExitCode.ok : ExitCode.unitsUnfinished;
  } finally {
    result.store.close();
  }
}

/** A write to a terminal or pipe that may be gone; a failure is not worth a crash. */
function writeQuietly(stream: NodeJS.WriteStream, text: string): void {
  try {
    stream.write(text);
  } catch {
    // Nobody is left to read it.
  }
}

let outputErrorsIgnored = false;

/**
 * A write to a hung-up terminal (EIO) or a closed pipe (EPIPE) is reported as
 * an 'error' event, which with no listener crashes the process mid-stop.
 * stdin too while the UI reads keys from the dead terminal.
 */
function ignoreOutputErrors(withUi: boolean): void {
  const ignore = (): void => undefined;
  if (!outputErrorsIgnored) {
    outputErrorsIgnored = true;
    process.stdout.on('error', ignore);
    process.stderr.on('error', ignore);
  }
  if (withUi && process.stdin.listeners('error').length === 0) process.stdin.on('error', ignore);
}

/**
 * React picks its build when it loads: without NODE_ENV it is the development
 * build, several times the CPU per frame. Production while the UI loads, then
 * the variable as it was, so agents and checks inherit the user's environment.
 */
async function loadUi(): Promise<typeof import('../../components/render.js')> {
  const unset = process.env.NODE_ENV === undefined;
  if (unset) process.env.NODE_ENV = 'production';
  try {
    return await import('../../components/render.js');
  } finally {
    if (unset) delete process.env.NODE_ENV;
  }
}

/**
 * GAFFER_LAG_REPORT=<file>: at the end of the run, write the event loop's lag
 * (p99 and max, ms), the peak RSS (MB) and the CPU the supervisor process
 * itself used (user and system, ms, its threads and helper processes
 * included, its agents and git processes not)
 * to that file as JSON. The benchmarks read it; it costs nothing when the
 * variable is unset.
 */
function startLagReport(): ((ui: boolean) => void) | undefined {
  const file = process.env.GAFFER_LAG_REPORT;
  if (!file) return undefined;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  return (ui) => {
    lag.disable();
    const helpers = helperUsage();
    const report = {
      ui,
      lagP99Ms: lag.percentile(99) / 1e6,
      lagMaxMs: lag.max / 1e6,
      lagMeanMs: lag.mean / 1e6,
      // maxRSS is the true peak, in KiB.
      peakRssMb: (process.resourceUsage().maxRSS * 1024) / (1024 * 1024),
      // The supervisor's helper processes (src/util/helper-process.ts) are part of its cost.
      cpuUserMs: process.cpuUsage().user / 1000 + helpers.cpuUserMs,
      cpuSystemMs: process.cpuUsage().system / 1000 + helpers.cpuSystemMs,
      helperCpuMs: helpers.cpuUserMs + helpers.cpuSystemMs,
      helperPeakRssMb: helpers.peakRssMb,
      // What the supervisor asked of its helpers: git processes, git directories made anew, agents and checks.
      requests: {
        gitProcesses: gitProcessCount(),
        gitDirectories: gitDirectoryCount(),
        processStarts: processStartCount(),
      },
    };
    fs.writeFileSync(file, `${JSON.stringify(report)}\n`);
  };
}
