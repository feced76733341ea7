import type { Plan, Unit } from './schema.js';

/**
 * The schema's answer for the common plan, without the schema: units of id,
 * title, prompt, depends_on and files only, every field of the right type.
 * Zod allocates a result and an issue list per field, and on a plan of
 * 10,000 units that garbage cost more than the whole-plan rules. Anything
 * else (a unit with an agent, checks, a host or a timeout, a wrong type, an unknown
 * key) returns undefined and goes through PlanSchema, which says what is
 * wrong exactly as before. The result is what PlanSchema would return: new
 * objects with the keys in the schema's order (a unit's stored spec is its
 * JSON), defaults filled in. test/plan/plain-shape.test.ts holds the two
 * side by side.
 */
export function plainPlanShape(value: unknown): Plan | undefined {
  if (!isPlainRecord(value) || !hasOnlyKeys(value, PLAN_KEYS)) return undefined;
  const { name, objective, units } = value;
  if (name !== undefined && (typeof name !== 'string' || name === '')) return undefined;
  if (objective !== undefined && typeof objective !== 'string') return undefined;
  if (!Array.isArray(units) || units.length === 0) return undefined;
  const shaped: Unit[] = new Array<Unit>(units.length);
  for (let index = 0; index < units.length; index += 1) {
    const unit = plainUnit(units[index]);
    if (unit === undefined) return undefined;
    shaped[index] = unit;
  }
  return {
    name: name ?? 'plan',
    ...(objective === undefined ? {} : { objective }),
    units: shaped,
  };
}

/** The plan's keys (PlanSchema's, in its order). */
export const PLAN_KEYS: readonly string[] = ['name', 'objective', 'units'];
/** The unit keys the plain path knows (UnitSchema's others, agent, checks, host and timeoutMs, go to the schema). */
export const PLAIN_UNIT_KEYS: readonly string[] = ['id', 'title', 'prompt', 'depends_on', 'files'];

function plainUnit(value: unknown): Unit | undefined {
  if (!isPlainRecord(value) || !hasOnlyKeys(value, PLAIN_UNIT_KEYS)) return undefined;
  const { id, title, prompt, depends_on: dependsOn, files } = value;
  if (typeof id !== 'string' || typeof title !== 'string' || typeof prompt !== 'string') return undefined;
  const dependencies = dependsOn === undefined ? [] : stringsOf(dependsOn, 0);
  if (dependencies === undefined) return undefined;
  if (files === undefined) return { id, title, prompt, depends_on: dependencies };
  const hints = stringsOf(files, 1);
  return hints === undefined ? undefined : { id, title, prompt, depends_on: dependencies, files: hints };
}

/** A copy of an array of strings each at least `minLength` long; undefined for anything else (holes too). */
function stringsOf(value: unknown, minLength: number): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const copy: string[] = new Array<string>(value.length);
  for (let index = 0; index < value.length; index += 1) {
    const item: unknown = value[index];
    if (typeof item !== 'string' || item.length < minLength) return undefined;
    copy[index] = item;
  }
  return copy;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function hasOnlyKeys(record: Record<string, unknown>, known: readonly string[]): boolean {
  for (const key in record) if (!known.includes(key)) return false;
  return true;
}
