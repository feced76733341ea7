import { createHash } from 'node:crypto';
import type { Plan } from '../plan/schema.js';
import { redact } from '../util/redact.js';
import type { Store } from '../store/store.js';
import type { RunRow } from '../store/runs.js';
import { grantRounds } from './rounds.js';
import type { MissionInfo } from './mission.js';

export function planHash(plan: Plan): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex').slice(0, 16);
}

export interface OpenedRun {
  runId: number;
  resumed: boolean;
  /** Set when a run that ran out of rounds is resumed: it gets a new budget of rounds. */
  regranted: boolean;
}

/** What a new run is made of. */
export interface NewRun {
  plan: Plan;
  repo: string;
  configJson: string;
  maxRounds: number;
  /** Units a new run starts as done (their change is already in the working branch), with why. */
  landed?: ReadonlyMap<string, string>;
}

/**
 * The latest run of the same plan and repository: the one a start resumes
 * (when it did not complete) or reports as finished (when it did).
 */
export function latestOfPlan(store: Store, input: { plan: Plan; repo: string }): RunRow | undefined {
  const latest = store.runs.latest();
  return latest && latest.plan_hash === planHash(input.plan) && latest.repo === input.repo
    ? latest
    : undefined;
}

/**
 * The run a start works on: `resume` (a run that did not complete: a crash, a
 * stop, out of rounds), or else a new run with its units, in one transaction.
 */
export function openRun(store: Store, input: NewRun & { resume: RunRow | undefined }): OpenedRun {
  const latest = input.resume;
  if (latest) {
    const regranted = latest.status === 'unfinished';
    store.transaction(() => {
      // Out of rounds last time: this start brings a new budget of rounds.
      if (regranted) grantRounds(store, latest.id, input.maxRounds);
      store.runs.move(latest.id, latest.status, 'running', 'resumed');
    });
    return { runId: latest.id, resumed: true, regranted };
  }
  return { runId: createRun(store, input), resumed: false, regranted: false };
}

/** A new run with its units, in one transaction. */
export function createRun(store: Store, input: NewRun): number {
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

/**
 * The run's units and waiting proposals as a screen first shows them: where
 * each unit is (a resumed run's too), those added while running with their
 * origin, removed ones left out.
 */
export function unitsAtStart(store: Store, runId: number): Pick<MissionInfo, 'units' | 'proposals'> {
  const dependencies = store.units.dependencies(runId);
  return {
    units: store.units
      .all(runId)
      .filter((row) => row.status !== 'removed')
      .map((row) => ({
        id: row.id,
        title: row.title,
        dependsOn: dependencies.get(row.id) ?? [],
        status: row.status,
        origin: row.origin,
        discoveredFrom: row.discovered_from,
      })),
    proposals: store.proposals.open(runId).map((row) => ({
      id: row.id,
      unitId: row.unit_id,
      title: row.title,
      source: row.source,
      discoveredFrom: row.discovered_from,
    })),
  };
}
