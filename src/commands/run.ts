import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, parseConfig, resolveConfigPaths } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createSample } from '../demo/sample.js';
import { ExitCode } from '../errors.js';
import { branchTip } from '../git/git.js';
import { loadPlan } from '../plan/load.js';
import type { Plan } from '../plan/schema.js';
import { attachHeadlessReporter } from '../report/headless.js';
import { formatSummary, summarizeRun } from '../report/summary.js';
import { supervise } from '../supervisor.js';
import { configPathOf, loadPlanFor, printLine, type Flags } from './common.js';

export async function runCommand(flags: Flags): Promise<number> {
  const { config, baseDir } = loadConfig(configPathOf(flags));
  const plan = loadPlanFor(config, flags, baseDir);
  return runMission(config, plan, flags);
}

export async function demoCommand(flags: Flags): Promise<number> {
  const sample = await createSample(flags.dir ? path.resolve(flags.dir) : undefined);
  const config = resolveConfigPaths(
    parseConfig(JSON.parse(fs.readFileSync(sample.configPath, 'utf8')), sample.configPath),
    sample.root,
  );
  const plan = loadPlan(sample.planPath);
  if (!flags.json) process.stdout.write(`gaffer demo: sample repository at ${sample.repo}\n`);
  const code = await runMission(config, plan, flags);
  if (!flags.json) {
    process.stdout.write(
      `\nThe demo's failures are by design. Look around:\n  git -C ${sample.repo} log --oneline --graph --all\n  node ${process.argv[1] ?? 'gaffer'} status --config ${sample.configPath}\n`,
    );
  }
  return code === ExitCode.unitsUnfinished ? ExitCode.ok : code;
}

async function runMission(config: Config, plan: Plan, flags: Flags): Promise<number> {
  const stop = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write(
        `\ngaffer: ${signal}: stopping (attempts end, state stays resumable); press Ctrl-C again to force\n`,
      );
      stop.abort();
    } else {
      process.stderr.write('gaffer: forced to quit\n');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const write = printLine;
  try {
    const result = await supervise({
      config,
      plan,
      signal: stop.signal,
      fresh: flags.fresh,
      subscribe: (bus) => attachHeadlessReporter(bus, { json: flags.json, verbose: flags.verbose, write }),
      onListenerError: (error) => process.stderr.write(`gaffer: a reporter failed: ${String(error)}\n`),
    });
    try {
      const summary = summarizeRun(result.store, result.runId, {
        greenCommit: (await branchTip(config.repo, config.branches.green)) ?? null,
        workingCommit: (await branchTip(config.repo, config.branches.working)) ?? null,
        databasePath: result.databasePath,
      });
      write(flags.json ? JSON.stringify({ type: 'summary', ...summary }) : `\n${formatSummary(summary)}`);
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
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
