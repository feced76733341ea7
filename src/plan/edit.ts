import { errorMessage } from '../errors.js';
import { UnitSchema, type Plan, type Unit } from './schema.js';
import { validatePlan } from './validate.js';

/**
 * What a saved plan file means for a run already under way. Pure: the caller
 * (which owns the run's units and their statuses) applies the result.
 *
 * - Units that have not started (pending, blocked, failed, killed) follow the
 *   file: new ids are added, changed specs updated, missing ids removed.
 * - Units that have started (running, merging, done) keep the spec they ran
 *   with; a change or deletion in the file is refused with a message.
 * - Units that discovery or a fixup added are not expected in the file, so
 *   their absence is no deletion; if the file names one, the rules above apply.
 * - A bad edit (a cycle, an unknown dependency, a bad id, a removed id used
 *   again) changes nothing: ok is false and error says why and what to do.
 */

export type LiveStatus = 'pending' | 'running' | 'merging' | 'done' | 'failed' | 'blocked' | 'killed';

export interface LiveUnit {
  unit: Unit;
  status: LiveStatus;
  origin: 'plan' | 'edit' | 'discovery' | 'fixup';
}

export interface PlanEdit {
  /** False: the whole edit is ignored and error says why and how to fix it. */
  ok: boolean;
  error?: string;
  /** Units whose ids are new to the run, in file order. */
  added: Unit[];
  /** Units not yet started whose spec changed, with the fields that changed. */
  updated: { id: string; unit: Unit; fields: string[] }[];
  /** Ids of units not yet started that the file no longer lists. */
  removed: string[];
  /** Why a change or deletion was not applied; those units stay as they were. */
  refused: string[];
  /** The run's units after the edit: the file's, then those kept although the file omits them. */
  units: Unit[];
  /** The objective (which starts every later prompt) differs from the run's. */
  objectiveChanged: boolean;
  /** ok, and nothing to apply (`refused` may still hold messages worth showing). */
  unchanged: boolean;
}

/** The run's plan-level fields, to compare the file's against. */
export type RunPlanHeader = Pick<Plan, 'name' | 'objective'>;

const NOT_IN_FILE_ORIGINS: ReadonlySet<LiveUnit['origin']> = new Set(['discovery', 'fixup']);
/** Every spec field but the id, taken from the schema so a new field is compared too. */
const UNIT_FIELDS = Object.keys(UnitSchema.shape).filter((key) => key !== 'id') as (keyof Unit)[];

/**
 * `header` is the run's name and objective; without it plan-level fields are
 * not compared. `source` names the file in validation errors.
 */
export function planEdit(
  current: readonly LiveUnit[],
  removedIds: ReadonlySet<string>,
  next: Plan,
  header?: RunPlanHeader,
  source?: string,
): PlanEdit {
  const liveById = new Map(current.map((live) => [live.unit.id, live]));
  const fileIds = new Set(next.units.map((unit) => unit.id));
  const added: Unit[] = [];
  const updated: PlanEdit['updated'] = [];
  const removed: string[] = [];
  const refused: string[] = [];
  const units: Unit[] = [];
  const reusedIds: string[] = [];

  for (const unit of next.units) {
    const live = liveById.get(unit.id);
    if (live === undefined) {
      if (removedIds.has(unit.id)) reusedIds.push(unit.id);
      added.push(unit);
      units.push(unit);
      continue;
    }
    const fields = changedFields(live.unit, unit);
    if (fields.length === 0) {
      units.push(live.unit);
    } else if (!hasStarted(live.status)) {
      updated.push({ id: unit.id, unit, fields });
      units.push(unit);
    } else {
      refused.push(refusedChange(unit.id, live.status, fields));
      units.push(live.unit);
    }
  }
  for (const live of current) {
    if (fileIds.has(live.unit.id)) continue;
    if (NOT_IN_FILE_ORIGINS.has(live.origin)) {
      units.push(live.unit);
    } else if (!hasStarted(live.status)) {
      removed.push(live.unit.id);
    } else {
      refused.push(refusedDeletion(live.unit.id, live.status));
      units.push(live.unit);
    }
  }

  if (header !== undefined && next.name !== header.name) refused.push(refusedRename(header.name, next.name));
  const objectiveChanged = header !== undefined && (next.objective ?? '') !== (header.objective ?? '');

  const problems = reusedIds.map(
    (id) =>
      `unit id ${id} was removed from this run; its attempts, branches and logs keep that name: choose another id`,
  );
  try {
    validatePlan({ ...next, units }, source);
  } catch (error) {
    problems.push(errorMessage(error));
  }
  if (problems.length > 0) {
    return {
      ok: false,
      error: problems.join('\n'),
      added: [],
      updated: [],
      removed: [],
      refused: [],
      units: current.map((live) => live.unit),
      objectiveChanged: false,
      unchanged: false,
    };
  }
  const unchanged = added.length + updated.length + removed.length === 0 && !objectiveChanged;
  return { ok: true, added, updated, removed, refused, units, objectiveChanged, unchanged };
}

/** The spec fields whose canonical JSON differs, in schema order. */
export function changedFields(before: Unit, after: Unit): string[] {
  return UNIT_FIELDS.filter((field) => canonicalJson(before[field]) !== canonicalJson(after[field]));
}

/** JSON with object keys sorted at every level, so key order in the file is no change. */
function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, inner: unknown) => {
      if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
      const record = inner as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(record)
          .sort()
          .map((key) => [key, record[key]]),
      );
    }) ?? 'undefined'
  );
}

/** Started units keep the spec they ran with; the others (pending, blocked, failed, killed) follow the file. */
type StartedStatus = Extract<LiveStatus, 'running' | 'merging' | 'done'>;

function hasStarted(status: LiveStatus): status is StartedStatus {
  return status === 'running' || status === 'merging' || status === 'done';
}

function refusedChange(id: string, status: StartedStatus, fields: readonly string[]): string {
  const plural = fields.length > 1;
  const what = `its new ${listWords(fields)} ${plural ? 'are' : 'is'} ignored`;
  const kept = plural ? 'the old ones' : 'the old one';
  const why: Record<StartedStatus, string> = {
    running: `the running attempt keeps ${kept}`,
    merging: `its branch, made with ${kept}, is in the merge queue`,
    done: `its work, made with ${kept}, has merged`,
  };
  return `unit ${id} is ${status}: ${what}; ${why[status]}. For more work, add a unit with a new id`;
}

function refusedDeletion(id: string, status: StartedStatus): string {
  const why: Record<StartedStatus, string> = {
    running: 'its attempt goes on and merges as planned',
    merging: 'its branch is in the merge queue',
    done: 'its work has merged, and other units may depend on it',
  };
  return `unit ${id} is ${status} and is no longer in the plan file: it stays in the run (${why[status]})`;
}

function refusedRename(runName: string, fileName: string): string {
  return (
    `the plan's name changed from ${JSON.stringify(runName)} to ${JSON.stringify(fileName)}: ` +
    `the run keeps ${JSON.stringify(runName)}, since a run is identified by its plan; ` +
    'put the old name back, or start a new run for the new name'
  );
}

function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}
