import { createHash } from 'node:crypto';
import type { Plan } from '../plan/schema.js';
import { redact } from '../util/redact.js';
import type { Store } from '../store/store.js';
import type { RunRow } from '../store/runs.js';
import { isResumable } from '../machines/run.js';
import { grantRounds } from './rounds.js';

export function planHash(plan: Plan): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex').slice(0, 16);
}

export type OpenedRun =
  | {
      kind: 'opened';
      runId: number;
      resumed: boolean;
      /** Set when a run that ran out of rounds is resumed: it gets a new budget of rounds. */
      regranted: boolean;
    }
  /** The plan's last run completed: a start does nothing unless a new run is asked for. */
  | { kind: 'finished'; run: RunRow };

/** The latest run of the same plan and repository: the one a start resumes, or reports finished. */
export function latestOfPlan(store: Store, input: { plan: Plan; repo: string }): RunRow | undefined {
  const latest = store.runs.latest();
  return latest && latest.plan_hash === planHash(input.plan) && latest.repo === input.repo
    ? latest
    : undefined;
}

/** The run a start would resume: the latest of the same plan and repository, if it did not complete. */
export function resumableRun(
  store: Store,
  input: { plan: Plan; repo: string; fresh: boolean },
): RunRow | undefined {
  const latest = input.fresh ? undefined : latestOfPlan(store, input);
  return latest && isResumable(latest.status) ? latest : undefined;
}

/**
 * The run a start works on: the latest run of the same plan when it did not
 * complete (a crash, a stop, out of rounds), to resume; nothing when it
 * completed (a finished run is finished); otherwise, or with `fresh`, a new
 * run with its units, in one transaction.
 */
export function openRun(
  store: Store,
  input: {
    plan: Plan;
    repo: string;
    configJson: string;
    maxRounds: number;
    fresh: boolean;
    /** Units a new run starts as done (their change is already in the working branch), with why. */
    landed?: ReadonlyMap<string, string>;
  },
): OpenedRun {
  const latest = input.fresh ? undefined : latestOfPlan(store, input);
  if (latest?.status === 'completed') return { kind: 'finished', run: latest };
  if (latest) {
    const regranted = latest.status === 'unfinished';
    store.transaction(() => {
      // Out of rounds last time: this start brings a new budget of rounds.
      if (regranted) grantRounds(store, latest.id, input.maxRounds);
      store.runs.move(latest.id, latest.status, 'running', 'resumed');
    });
    return { kind: 'opened', runId: latest.id, resumed: true, regranted };
  }
  return { kind: 'opened', runId: createRun(store, input), resumed: false, regranted: false };
}

/** A new run with its units, in one transaction. */
export function createRun(
  store: Store,
  input: {
    plan: Plan;
    repo: string;
    configJson: string;
    maxRounds: number;
    landed?: ReadonlyMap<string, string>;
  },
): number {
  return store.transaction(() => {
    const id = store.runs.create({
      planName: input.plan.name,
      planHash: planHash(input.plan),
      repo: input.repo,
      configJson: input.configJson,
      maxRounds: input.maxRounds,
    });
    for (const unit of input.plan.units) {
      store.units.insert(id, {
        id: unit.id,
        title: unit.title,
        // Stored for views only, redacted: the agent gets the prompt from the plan itself.
        prompt: redact(unit.prompt),
        dependsOn: unit.depends_on,
        specJson: unitSpecJson(unit),
        done: input.landed?.get(unit.id),
      });
    }
    return id;
  });
}

/** A unit's spec as stored (redacted): two runs' units are the same unit when id and spec match. */
export function unitSpecJson(unit: Plan['units'][number]): string {
  return redact(JSON.stringify(unit));
}
