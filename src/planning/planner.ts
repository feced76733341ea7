import type { Config } from '../config/schema.js';
import { PlanError, errorMessage } from '../errors.js';
import { parsePlan } from '../plan/load.js';
import type { Plan } from '../plan/schema.js';
import { MAX_UNIT_ID_LENGTH } from '../plan/validate.js';
import { askForJson, type Checked } from './ask-json.js';

/**
 * A plan from an objective: a planner agent reads the repository and answers
 * with the plan as JSON, checked by the plan's own schema and rules (ids,
 * dependencies, cycles) and the unit cap. An unusable answer is sent back
 * once with the exact error; a second one stops with that error.
 */

export interface PlanFromObjectiveOptions {
  objective: string;
  repo: string;
  baseCommit: string;
  /** Paths resolved (loadConfig). */
  config: Config;
  stateDir: string;
  signal: AbortSignal;
  onProgress?: (message: string) => void;
}

/** The only unit fields a planner writes: overrides (agent, checks, timeouts) are the operator's. */
const PLANNER_UNIT_FIELDS = ['id', 'title', 'prompt', 'depends_on', 'files'] as const;
const PLANNER_PLAN_FIELDS = ['name', 'objective', 'units'] as const;

export async function planFromObjective(
  options: PlanFromObjectiveOptions,
): Promise<{ plan: Plan; attempts: number }> {
  const { config, objective } = options;
  if (objective.trim() === '') throw new PlanError('the objective is empty: say what the plan is for');
  const maxUnits = config.planner.maxUnits;
  const result = await askForJson({
    label: 'planner',
    agent: config.planner.agent ?? config.agent,
    prompt: plannerPrompt(objective, maxUnits, options.baseCommit),
    repo: options.repo,
    baseCommit: options.baseCommit,
    stateDir: options.stateDir,
    timeoutMs: config.planner.timeoutMs,
    stallMs: config.stallMs,
    graceMs: config.killGraceMs,
    signal: options.signal,
    check: (value) => checkPlannerAnswer(value, objective, maxUnits),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  if (result.ok) return { plan: result.value, attempts: result.attempts };
  throw new PlanError(`the planner's answer was unusable twice; the last error: ${result.error}`);
}

/** The planner's answer as a plan, or the error to send back (and, the second time, to stop with). */
export function checkPlannerAnswer(value: unknown, objective: string, maxUnits: number): Checked<Plan> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: 'the answer must be one JSON object {"name", "objective", "units"}' };
  }
  const record = value as Record<string, unknown>;
  const extra = [
    ...Object.keys(record).filter((key) => !(PLANNER_PLAN_FIELDS as readonly string[]).includes(key)),
    ...unitExtraFields(record.units),
  ];
  if (extra.length > 0) {
    return {
      ok: false,
      error: `fields a planner may not write: ${extra.join(', ')}; a plan has only ${PLANNER_PLAN_FIELDS.join(', ')} and each unit only ${PLANNER_UNIT_FIELDS.join(', ')}: remove them`,
    };
  }
  if (Array.isArray(record.units) && record.units.length > maxUnits) {
    return {
      ok: false,
      error: `the plan has ${record.units.length} units, more than the cap of ${maxUnits} ("planner.maxUnits" in the config, at most 500): merge related work into fewer, larger units, or raise "planner.maxUnits"`,
    };
  }
  try {
    return {
      ok: true,
      value: parsePlan({ ...record, objective: record.objective ?? objective }, 'from the planner'),
    };
  } catch (error) {
    if (error instanceof PlanError) return { ok: false, error: error.message };
    return { ok: false, error: errorMessage(error) };
  }
}

function unitExtraFields(units: unknown): string[] {
  if (!Array.isArray(units)) return [];
  return units.flatMap((unit: unknown, index) =>
    unit !== null && typeof unit === 'object' && !Array.isArray(unit)
      ? Object.keys(unit)
          .filter((key) => !(PLANNER_UNIT_FIELDS as readonly string[]).includes(key))
          .map((key) => `units.${index}.${key}`)
      : [],
  );
}

export function plannerPrompt(objective: string, maxUnits: number, baseCommit: string): string {
  return [
    '# Plan the work for an objective',
    '',
    'You are the planner for gaffer, a supervisor that runs coding agents on the units of a plan. Each unit is done by one agent in its own checkout of this repository, on its own branch; finished branches are verified and merged one at a time. Units with no dependency between them run at the same time.',
    '',
    '## The objective',
    '',
    objective.trim(),
    '',
    '## What to do',
    '',
    `You are in a checkout of commit ${baseCommit}. Read the repository as much as you need, but change nothing: this checkout is thrown away. Split the objective into units of work and print the plan.`,
    '',
    '## The answer',
    '',
    'Print exactly one JSON object, in a ```json fenced block, and nothing after it:',
    '',
    '```json',
    '{',
    '  "name": "short-plan-name",',
    '  "objective": "the objective, in one or two sentences",',
    '  "units": [',
    '    {"id": "add-parser", "title": "Add the config parser", "prompt": "…", "depends_on": [], "files": ["src/config/parse.ts"]},',
    '    {"id": "use-parser", "title": "Read the config at startup", "prompt": "…", "depends_on": ["add-parser"]}',
    '  ]',
    '}',
    '```',
    '',
    'Rules:',
    `- "units": at least 1 and at most ${maxUnits}. Prefer fewer, meaningful units over many tiny ones.`,
    `- "id": unique, and part of a git branch name: only letters, digits, ".", "_" and "-"; it starts with a letter or digit; at most ${MAX_UNIT_ID_LENGTH} characters; no ".."; it does not end in "." or ".lock". Like "add-login-form".`,
    '- "title": one short line.',
    '- "prompt": self-contained. The agent doing the unit sees only the objective and this prompt: not the other units, not this conversation. Say what to change, where, and how to tell it is done (the tests to add or run).',
    '- "depends_on": the ids of units that must be merged before this one starts (its checkout then holds their work). Only ids of this plan, no unit on itself, no cycles. Give one wherever a unit needs another\'s code.',
    '- "files" (optional): repository-relative paths or globs the unit expects to touch. Units that share files are not run at the same time.',
    '- No other fields.',
  ].join('\n');
}
