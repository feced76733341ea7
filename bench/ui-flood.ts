/**
 * ui-flood: does the live UI stay fast and small while agents flood it? Eight
 * scripted agents print 100-byte lines as fast as they can (`@flood`) until
 * their attempt timeout ends them after 20 s. The same mission runs twice on
 * identical fresh repositories: once headless (stdout to a file), once with
 * the Ink UI drawing into a real pseudo-terminal (a detached tmux session,
 * 120x40). gaffer itself reports its event-loop lag and peak RSS
 * (GAFFER_LAG_REPORT); the lines drained are counted in the attempts' log
 * files, which hold every line gaffer read from the agents.
 *
 * RESULT ui_lag_p99_ms (with the UI), ui_peak_rss_mb (with the UI),
 * ui_drain_ratio (lines drained with the UI / lines drained headless). With
 * --repeat N: the median lag, the highest RSS and the median of the N ratios,
 * each from one side-by-side pair run in alternating order.
 * Targets: lag p99 <= 50 ms, peak RSS <= 200 MB, drain ratio >= 0.8.
 *
 * ui_first_frame_ms: from launching gaffer in tmux to the first thing of its
 * own on the screen (its starting line, then the Ink screen replaces it);
 * printed beside the time to the Ink screen itself (its Workers pane) and the
 * headless run's time to its first line, measured the same way in the same
 * pair. Target <= 300 ms. With --repeat N: the medians.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  BenchFailure,
  checkFlags,
  cleanup,
  gafferCli,
  initRepo,
  intFlag,
  keepTempDirs,
  makeTempDir,
  median,
  tailOf,
  timedRun,
  type Benchmark,
} from './lib.js';

const DEFAULT_AGENTS = 8;
const DEFAULT_SECONDS = 20;
/** More than any agent can print in the time: the attempt timeout is what ends each flood. */
const FLOOD_BYTES = 1_000_000_000_000;
const TERMINAL = { columns: 120, rows: 40 };

interface LagReport {
  ui: boolean;
  lagP99Ms: number;
  lagMaxMs: number;
  lagMeanMs: number;
  peakRssMb: number;
}

interface ModeResult {
  report: LagReport;
  lines: number;
  bytes: number;
  seconds: number;
  /** ms from launch to the first output: headless, its first line; with the UI, the first frame. */
  firstMs: number;
}

/** Polls `probe` every few ms until it holds; ms since `since` then (NaN if `done` comes first). */
async function timeUntil(since: number, probe: () => boolean, done: () => boolean): Promise<number> {
  while (!done()) {
    if (probe()) return performance.now() - since;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Number.NaN;
}

function prepare(label: string, agents: number, seconds: number): { root: string; configPath: string } {
  const root = makeTempDir(`ui-flood-${label}`);
  initRepo(path.join(root, 'repo'));
  const plan = {
    name: 'ui-flood',
    units: Array.from({ length: agents }, (_, index) => ({
      id: `flood-${index + 1}`,
      title: `Floods its output for ${seconds} s`,
      prompt: `Print as fast as you can.\n@flood ${FLOOD_BYTES}`,
    })),
  };
  fs.writeFileSync(path.join(root, 'plan.json'), `${JSON.stringify(plan, null, 2)}\n`);
  const configPath = path.join(root, 'gaffer.json');
  const config = {
    repo: 'repo',
    plan: 'plan.json',
    concurrency: agents,
    maxAttempts: 1,
    attemptTimeoutMs: seconds * 1000,
    killGraceMs: 500,
    rounds: { max: 1 },
  };
  fs.writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  return { root, configPath };
}

/** Lines and bytes in the attempts' logs: everything gaffer drained from the agents. */
function drained(root: string, agents: number): { lines: number; bytes: number } {
  const logDir = path.join(root, 'repo', '.gaffer', 'logs', 'run-1');
  const logs = fs.existsSync(logDir) ? fs.readdirSync(logDir).filter((name) => name.endsWith('.log')) : [];
  if (logs.length !== agents) {
    throw new BenchFailure(`expected ${agents} attempt logs in ${logDir}, found ${logs.length}`);
  }
  let lines = 0;
  let bytes = 0;
  const buffer = Buffer.alloc(1 << 20);
  for (const name of logs) {
    const fd = fs.openSync(path.join(logDir, name), 'r');
    try {
      for (let read = fs.readSync(fd, buffer); read > 0; read = fs.readSync(fd, buffer)) {
        bytes += read;
        for (let at = buffer.indexOf(10); at !== -1 && at < read; at = buffer.indexOf(10, at + 1)) lines += 1;
      }
    } finally {
      fs.closeSync(fd);
    }
    // Each log is deleted once counted: a headless flood can leave gigabytes behind.
    fs.rmSync(path.join(logDir, name));
  }
  return { lines, bytes };
}

function readReport(file: string, who: string): LagReport {
  if (!fs.existsSync(file)) throw new BenchFailure(`${who}: gaffer wrote no lag report to ${file}`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as LagReport;
}

/** gaffer's exit: 10 (units unfinished) is expected, every flood ends at its timeout. */
function checkExit(code: number | null, who: string, detail: () => string): void {
  if (code !== 10)
    throw new BenchFailure(`${who}: gaffer exited ${code ?? 'by a signal'}, expected 10\n${detail()}`);
}

async function runHeadless(agents: number, seconds: number): Promise<ModeResult> {
  const { root, configPath } = prepare('headless', agents, seconds);
  const reportPath = path.join(root, 'lag.json');
  const launched = performance.now();
  let exited = false;
  const running = timedRun(process.execPath, [gafferCli(), 'run', '--config', configPath, '--headless'], {
    cwd: root,
    outDir: root,
    label: 'headless',
    timeoutMs: (seconds + 120) * 1000,
    env: { ...process.env, GAFFER_LAG_REPORT: reportPath },
  }).finally(() => (exited = true));
  const stdoutPath = path.join(root, 'headless.stdout');
  const firstMs = await timeUntil(
    launched,
    () => fs.existsSync(stdoutPath) && fs.statSync(stdoutPath).size > 0,
    () => exited,
  );
  const run = await running;
  checkExit(run.exitCode, 'headless', () => `${tailOf(run.stdoutPath)}\nstderr:\n${tailOf(run.stderrPath)}`);
  const report = readReport(reportPath, 'headless');
  if (report.ui) throw new BenchFailure('headless: the lag report says the UI was drawn');
  return { report, ...drained(root, agents), seconds: run.seconds, firstMs };
}

/** gaffer in a detached tmux session: a real pseudo-terminal that Ink draws into at 120x40. */
async function runWithUi(
  agents: number,
  seconds: number,
): Promise<ModeResult & { screen: string; inkFrameMs: number }> {
  const { root, configPath } = prepare('tui', agents, seconds);
  const reportPath = path.join(root, 'lag.json');
  const exitPath = path.join(root, 'exit-code');
  const script = path.join(root, 'launch.sh');
  fs.writeFileSync(
    script,
    [
      '#!/bin/sh',
      `cd '${root}'`,
      `env -u CI GAFFER_LAG_REPORT='${reportPath}' '${process.execPath}' '${gafferCli()}' run --config '${configPath}' 2> '${path.join(root, 'tui.stderr')}'`,
      `echo $? > '${exitPath}'`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  const socket = `gaffer-bench-${process.pid}`;
  const tmux = (args: string[]): string =>
    execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const killServer = (): void => {
    try {
      tmux(['kill-server']);
    } catch {
      // already gone
    }
  };
  // Ctrl-C or a crash must not leave a flooding gaffer behind in a hidden terminal.
  process.once('exit', killServer);
  const started = performance.now();
  try {
    tmux([
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-s',
      'flood',
      '-x',
      `${TERMINAL.columns}`,
      '-y',
      `${TERMINAL.rows}`,
      script,
    ]);
    tmux(['set-option', '-t', 'flood', 'remain-on-exit', 'on']);
    const capture = (): string => tmux(['capture-pane', '-p', '-t', 'flood']);
    const gone = (): boolean => fs.existsSync(exitPath);
    const firstMs = await timeUntil(started, () => capture().includes('gaffer'), gone);
    const inkFrameMs = await timeUntil(started, () => capture().includes('Workers'), gone);
    // Proof that the UI is drawing while the flood runs: all workers busy on screen.
    let screen = '';
    const deadline = Date.now() + (seconds + 120) * 1000;
    while (!fs.existsSync(exitPath)) {
      if (Date.now() > deadline)
        throw new BenchFailure(`tui: gaffer did not exit in time; the screen:\n${screen}`);
      const now = tmux(['capture-pane', '-p', '-t', 'flood']);
      if (now.includes(`Workers ${agents}/${agents} busy`)) screen = now;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const elapsed = (performance.now() - started) / 1000;
    const code = Number(fs.readFileSync(exitPath, 'utf8'));
    checkExit(
      code,
      'tui',
      () =>
        `${tmux(['capture-pane', '-p', '-t', 'flood'])}\nstderr:\n${tailOf(path.join(root, 'tui.stderr'))}`,
    );
    if (screen === '') throw new BenchFailure(`tui: the screen never showed all ${agents} workers busy`);
    const report = readReport(reportPath, 'tui');
    if (!report.ui) throw new BenchFailure('tui: gaffer ran without its UI (was stdout a terminal?)');
    return { report, ...drained(root, agents), seconds: elapsed, screen, firstMs, inkFrameMs };
  } finally {
    killServer();
    process.off('exit', killServer);
  }
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;

function describeMode(name: string, result: ModeResult): string {
  const { report } = result;
  return `${name.padEnd(9)} lag p99 ${report.lagP99Ms.toFixed(1)} ms (max ${report.lagMaxMs.toFixed(1)}, mean ${report.lagMeanMs.toFixed(1)}), peak RSS ${report.peakRssMb.toFixed(0)} MB, drained ${result.lines.toLocaleString('en-US')} lines (${mb(result.bytes)}) in ${result.seconds.toFixed(1)} s`;
}

async function run(argv: string[]): Promise<number> {
  checkFlags(argv, { agents: 'int', seconds: 'int', repeat: 'int', keep: 'bool' });
  const agents = intFlag(argv, 'agents', DEFAULT_AGENTS);
  const seconds = intFlag(argv, 'seconds', DEFAULT_SECONDS);
  const repeat = intFlag(argv, 'repeat', 1);
  const keep = argv.includes('--keep');
  console.log(
    `ui-flood: ${agents} scripted agents flooding 100-byte lines for ${seconds} s each; headless, then the UI in tmux (${TERMINAL.columns}x${TERMINAL.rows}); ${repeat} repetition(s)`,
  );
  const pairs: { headless: ModeResult; tui: ModeResult & { screen: string; inkFrameMs: number } }[] = [];
  try {
    for (let r = 1; r <= repeat; r += 1) {
      // Alternate which side goes first, so a noisy neighbour or a busy disk does not always hit the same one.
      let headless: ModeResult;
      let tui: ModeResult & { screen: string; inkFrameMs: number };
      if (r % 2 === 1) {
        headless = await runHeadless(agents, seconds);
        tui = await runWithUi(agents, seconds);
      } else {
        tui = await runWithUi(agents, seconds);
        headless = await runHeadless(agents, seconds);
      }
      pairs.push({ headless, tui });
      console.log(`  run ${r}: ${describeMode('headless', headless)}`);
      console.log(`  run ${r}: ${describeMode('with UI', tui)}`);
      console.log(`  run ${r}: drain ratio ${(tui.lines / headless.lines).toFixed(2)}`);
      console.log(
        `  run ${r}: first frame ${tui.firstMs.toFixed(0)} ms (the Ink screen ${tui.inkFrameMs.toFixed(0)} ms), headless first line ${headless.firstMs.toFixed(0)} ms, ratio ${(tui.firstMs / headless.firstMs).toFixed(2)}`,
      );
    }
  } finally {
    if (keep) for (const dir of keepTempDirs()) console.log(`  kept ${dir} (logs deleted after counting)`);
    else await cleanup();
  }
  const last = pairs.at(-1);
  if (last) {
    console.log('  the UI during the last flood (first lines):');
    for (const line of last.tui.screen.split('\n').slice(0, 12)) console.log(`    ${line}`);
  }
  // Lag and drain: medians over the runs (each ratio from one side-by-side pair); RSS: the worst run.
  const lag = median(pairs.map((pair) => pair.tui.report.lagP99Ms));
  const rss = Math.max(...pairs.map((pair) => pair.tui.report.peakRssMb));
  const ratio = median(pairs.map((pair) => pair.tui.lines / pair.headless.lines));
  const firstFrame = median(pairs.map((pair) => pair.tui.firstMs));
  const inkFrame = median(pairs.map((pair) => pair.tui.inkFrameMs));
  const headlessFirst = median(pairs.map((pair) => pair.headless.firstMs));
  const label = repeat > 1 ? ' (median lag, ratio and first frame, highest RSS)' : '';
  const targets = [
    `lag p99 ${lag.toFixed(1)} ms ${lag <= 50 ? '<=' : '>'} 50`,
    `peak RSS ${rss.toFixed(0)} MB ${rss <= 200 ? '<=' : '>'} 200`,
    `drain ratio ${ratio.toFixed(2)} ${ratio >= 0.8 ? '>=' : '<'} 0.8`,
    `first frame ${firstFrame.toFixed(0)} ms ${firstFrame <= 300 ? '<=' : '>'} 300`,
  ];
  console.log(
    `first frame ${firstFrame.toFixed(0)} ms, the Ink screen ${inkFrame.toFixed(0)} ms; headless first line ${headlessFirst.toFixed(0)} ms (ratio ${(firstFrame / headlessFirst).toFixed(2)})`,
  );
  console.log(`targets${label}: ${targets.join(', ')}`);
  console.log(
    `RESULT ui_lag_p99_ms=${lag.toFixed(2)} ui_peak_rss_mb=${rss.toFixed(2)} ui_drain_ratio=${ratio.toFixed(2)} ui_first_frame_ms=${firstFrame.toFixed(0)} ui_ink_frame_ms=${inkFrame.toFixed(0)} headless_first_line_ms=${headlessFirst.toFixed(0)}`,
  );
  return 0;
}

export const uiFlood: Benchmark = {
  name: 'ui-flood',
  summary: `${DEFAULT_AGENTS} agents flooding output, headless vs the UI in tmux; RESULT ui_lag_p99_ms ui_peak_rss_mb ui_drain_ratio ui_first_frame_ms`,
  flags: [
    `--agents N   flooding agents (default ${DEFAULT_AGENTS})`,
    `--seconds N  how long each floods, ended by its attempt timeout (default ${DEFAULT_SECONDS})`,
    '--repeat N   run both sides N times, alternating which goes first; medians (default 1)',
    '--keep       leave the temp folders for inspection',
  ],
  run,
};
