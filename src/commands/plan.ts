import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { ExitCode, PreflightError, UsageError } from '../errors.js';
import { branchTip } from '../git/git.js';
import { dependencyDepth } from '../plan/graph.js';
import type { Plan } from '../plan/schema.js';
import { planFromObjective } from '../planning/planner.js';
import { configPathOf, printLine, type Flags } from './common.js';
import { loadConfig } from '../config/load.js';

/**
 * `gaffer plan --objective "…"` and the planning step of `gaffer run
 * --objective`: a planner agent writes the plan, gaffer checks it and writes
 * it to a file for the operator to review before anything runs.
 */

export interface WrittenPlan {
  plan: Plan;
  /** Absolute path of the plan file written. */
  planPath: string;
}

/**
 * Asks the planner and writes the plan to `planPath`, refusing to replace an
 * existing file without --force (checked before the planner is asked).
 */
export async function writePlanFromObjective(
  config: Config,
  flags: Flags,
  planPath: string,
): Promise<WrittenPlan> {
  const objective = flags.objective?.trim() ?? '';
  if (objective === '') throw new UsageError('--objective is empty: say what the plan is for');
  if (!flags.force && fs.existsSync(planPath)) {
    throw new UsageError(
      `${planPath} already exists: gaffer will not overwrite a plan; pass --force to replace it or --out <file> to write elsewhere`,
    );
  }
  const baseCommit = await branchTip(config.repo, config.branches.base);
  if (baseCommit === undefined) {
    throw new PreflightError(
      'branch-missing',
      `base branch "${config.branches.base}" not found in ${config.repo}: the planner reads the repository at its tip; create the branch or set "branches.base" in the config`,
    );
  }
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let plan: Plan;
  try {
    plan = (
      await planFromObjective({
        objective,
        repo: config.repo,
        baseCommit,
        config,
        stateDir: config.stateDir,
        signal: stop.signal,
        onProgress: (message) => printLine(`gaffer: ${message}`),
      })
    ).plan;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  fs.mkdirSync(path.dirname(planPath), { recursive: true });
  // 'wx' still refuses a file that appeared while the planner worked.
  fs.writeFileSync(planPath, `${JSON.stringify(plan, null, 2)}\n`, { flag: flags.force ? 'w' : 'wx' });
  return { plan, planPath };
}

export async function planCommand(flags: Flags, config: Config): Promise<number> {
  const planPath = planOutPath(flags, config, flags.out);
  const written = await writePlanFromObjective(config, flags, planPath);
  printPlanSummary(written, flags);
  return ExitCode.ok;
}

/** Where a plan from an objective goes: --out, else the given path, else the config's plan, else ./plan.json. */
export function planOutPath(flags: Flags, config: Config, ...given: (string | undefined)[]): string {
  const chosen = given.find((value) => value !== undefined);
  if (chosen !== undefined) return path.resolve(chosen);
  return config.plan ?? path.resolve('plan.json');
}

export function printPlanSummary({ plan, planPath }: WrittenPlan, flags: Flags): void {
  const depth = dependencyDepth(plan.units);
  const waves: string[][] = [];
  for (const unit of plan.units) {
    const wave = depth.get(unit.id) ?? 0;
    (waves[wave] ??= []).push(unit.id);
  }
  const units = plan.units.length === 1 ? '1 unit' : `${plan.units.length} units`;
  const waveCount = waves.length === 1 ? '1 wave' : `${waves.length} waves`;
  printLine(`plan "${plan.name}": ${units} in ${waveCount}, written to ${planPath}`);
  waves.forEach((ids, index) => printLine(`  wave ${index + 1}: ${ids.join(', ')}`));
  const config = flags.config === undefined ? '' : ` --config ${flags.config}`;
  printLine(`review and edit ${planPath}, then \`gaffer run${config} --plan ${planPath}\``);
}

/** `gaffer plan`: the config from --config, else gaffer.json in the current folder. */
export async function planCommandFromFlags(flags: Flags): Promise<number> {
  if (flags.objective === undefined) {
    throw new UsageError('gaffer plan needs --objective "<what the plan is for>"');
  }
  return planCommand(flags, loadConfig(configPathOf(flags)).config);
}
