import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { loadPlan } from '../plan/load.js';
import type { Plan } from '../plan/schema.js';

/** The parsed command-line options every command receives. */
export interface Flags {
  config?: string;
  plan?: string;
  state?: string;
  run?: string;
  dir?: string;
  headless: boolean;
  json: boolean;
  verbose: boolean;
  fresh: boolean;
  /** `gaffer status --all`: every unit, whatever the run's size. */
  all: boolean;
  /** `gaffer run --new-run`: a new run even if the plan's last one can be resumed or completed. */
  'new-run': boolean;
  /** `gaffer run --adopt`: take an existing working branch as it is. */
  adopt: boolean;
  /** `gaffer plan` / `gaffer run`: what a planner agent makes a plan for. */
  objective?: string;
  /** `gaffer discover --accept <id>`: a waiting proposal joins the plan. */
  accept?: string;
  /** `gaffer discover --reject <id>`: a waiting proposal is dropped. */
  reject?: string;
  /** `gaffer plan`: where the plan is written. */
  out?: string;
  /** `gaffer plan`: replace an existing plan file. */
  force: boolean;
  /** `gaffer run --objective`: run the written plan without stopping for a review. */
  yes: boolean;
  /** `gaffer run --stay` / `gaffer demo --stay`: the screen stays open after the run. */
  stay: boolean;
}

export function configPathOf(flags: Flags): string {
  return path.resolve(flags.config ?? 'gaffer.json');
}

export function loadPlanFor(config: Config, flags: Flags, baseDir: string): Plan {
  return loadPlan(planPathFor(config, flags, baseDir));
}

/** The plan file a command works on: --plan, else the config's "plan". */
export function planPathFor(config: Config, flags: Flags, baseDir: string): string {
  const planPath = flags.plan ? path.resolve(flags.plan) : config.plan;
  if (!planPath) {
    throw new UsageError(
      `no plan: set "plan" in the config (a path relative to ${baseDir}) or pass --plan <file>`,
    );
  }
  return planPath;
}

export function stateDirOf(flags: Flags): string {
  if (flags.state) return path.resolve(flags.state);
  if (flags.config || fs.existsSync('gaffer.json')) return loadConfig(configPathOf(flags)).config.stateDir;
  return path.resolve('.gaffer');
}

export { printLine } from './print-line.js';
