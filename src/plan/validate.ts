import { closestMatch } from '../config/format-issues.js';
import { PlanError } from '../errors.js';
import { filePatternProblem } from './file-patterns.js';
import { findDependencyCycles } from './graph.js';
import type { Plan, Unit } from './schema.js';

/**
 * Whole-plan rules the schema cannot express. Every problem is collected
 * before throwing, so a user fixes the plan in one pass instead of one error
 * per run. Each message says how to fix it.
 */

/** Ids become part of each attempt's git branch name, so they follow git's ref rules. */
export const MAX_UNIT_ID_LENGTH = 64;
/** The character rule alone; unitIdProblem also applies the length and git-reserved endings. */
export const UNIT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function validatePlan(plan: Plan, source?: string): Plan {
  const problems = [
    ...unitIdProblems(plan.units),
    ...duplicateIdProblems(plan.units),
    ...dependencyProblems(plan.units),
    ...cycleProblems(plan.units),
    ...fileHintProblems(plan.units),
  ];
  if (problems.length === 0) return plan;
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const name = source ?? `"${plan.name}"`;
  throw new PlanError(
    `plan ${name} is invalid (${count}):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
  );
}

/** Why `id` cannot be used in a branch name, or undefined when it can. */
export function unitIdProblem(id: string): string | undefined {
  if (id === '') return 'it is empty';
  const rules: string[] = [];
  if (id.length > MAX_UNIT_ID_LENGTH)
    rules.push(`it is ${id.length} characters long (at most ${MAX_UNIT_ID_LENGTH})`);
  if (!/^[A-Za-z0-9]/.test(id)) rules.push('it must start with a letter or digit');
  const badCharacters = [...new Set(id.replace(/[A-Za-z0-9._-]/g, ''))];
  if (badCharacters.length > 0) {
    const listed = badCharacters.map((character) => JSON.stringify(character)).join(', ');
    rules.push(`it contains ${listed} (only letters, digits, ".", "_" and "-" are allowed)`);
  }
  if (id.includes('..')) rules.push('it contains ".." (git forbids it in branch names)');
  if (id.endsWith('.lock')) rules.push('it ends with ".lock" (git reserves it)');
  else if (id.endsWith('.')) rules.push('it ends with "." (git forbids it)');
  return rules.length === 0 ? undefined : rules.join('; ');
}

/** The nearest id that passes unitIdProblem: what we suggest a bad id be renamed to. */
export function toValidUnitId(raw: string): string {
  let id = raw
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-{2,}/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, MAX_UNIT_ID_LENGTH);
  for (let previous = ''; previous !== id;) {
    previous = id;
    id = id.replace(/\.lock$/, '').replace(/[.\-_]+$/, '');
  }
  return id === '' ? 'unit' : id;
}

/** True when unitIdProblem has nothing to say: the check every id of a plan takes, without allocating. */
function isUsableUnitId(id: string): boolean {
  return (
    id.length <= MAX_UNIT_ID_LENGTH &&
    UNIT_ID_PATTERN.test(id) &&
    !id.includes('..') &&
    !id.endsWith('.') &&
    !id.endsWith('.lock')
  );
}

function unitIdProblems(units: readonly Unit[]): string[] {
  // Most plans have no bad id: the suggestions' bookkeeping is built only for one that has.
  if (units.every((unit) => isUsableUnitId(unit.id))) return [];
  const taken = new Set(units.map((unit) => unit.id));
  const problems: string[] = [];
  units.forEach((unit, index) => {
    const problem = unitIdProblem(unit.id);
    if (problem === undefined) return;
    const suggestion = freeId(toValidUnitId(unit.id), taken);
    taken.add(suggestion);
    problems.push(
      `unit id ${JSON.stringify(unit.id)} (units.${index}) cannot be part of a git branch name: ${problem}. ` +
        `Rename it, e.g. to "${suggestion}", and update any depends_on that names it`,
    );
  });
  return problems;
}

function duplicateIdProblems(units: readonly Unit[]): string[] {
  // The first position of each id; a list of positions only for the ids that repeat.
  const first = new Map<string, number>();
  const repeated = new Map<string, number[]>();
  units.forEach((unit, index) => {
    const seen = first.get(unit.id);
    if (seen === undefined) first.set(unit.id, index);
    else repeated.set(unit.id, [...(repeated.get(unit.id) ?? [seen]), index]);
  });
  return [...repeated]
    .sort(([, a], [, b]) => (a[0] ?? 0) - (b[0] ?? 0))
    .map(
      ([id, indexes]) =>
        `duplicate unit id "${id}" (${indexes.map((index) => `units.${index}`).join(', ')}); ` +
        'ids must be unique: rename all but one and update the depends_on entries that meant the renamed units',
    );
}

function dependencyProblems(units: readonly Unit[]): string[] {
  const ids = new Set(units.map((unit) => unit.id));
  const problems: string[] = [];
  for (const unit of units) {
    unit.depends_on.forEach((dependency, index) => {
      // Each name once, at its first mention (a Set per unit was most of this check's time).
      if (unit.depends_on.indexOf(dependency) < index) return;
      if (dependency === unit.id) {
        problems.push(`unit ${unit.id} depends on itself; remove "${dependency}" from its depends_on`);
      } else if (!ids.has(dependency)) {
        const guess = closestMatch(dependency, ids);
        const didYouMean = guess === undefined ? '' : ` (did you mean "${guess}"?)`;
        problems.push(
          `unit ${unit.id} depends on ${dependency}, which is not in the plan${didYouMean}; ` +
            `add a unit with that id or remove it from ${unit.id}'s depends_on`,
        );
      }
    });
  }
  return problems;
}

function cycleProblems(units: readonly Unit[]): string[] {
  // A self-dependency is reported on its own, with a more direct fix.
  return findDependencyCycles(units)
    .filter((cycle) => cycle.length > 1)
    .map(
      (cycle) =>
        `dependency cycle: ${[...cycle, cycle[0]].join(' -> ')} (each depends on the next, so none can ever start); ` +
        'remove one of these depends_on entries',
    );
}

function fileHintProblems(units: readonly Unit[]): string[] {
  const problems: string[] = [];
  for (const unit of units) {
    unit.files?.forEach((hint, index) => {
      const problem = filePatternProblem(hint);
      if (problem !== undefined)
        problems.push(
          `unit ${unit.id} files.${index} ${JSON.stringify(hint)} cannot be a file hint: ${problem}`,
        );
    });
  }
  return problems;
}

function freeId(candidate: string, taken: ReadonlySet<string>): string {
  if (!taken.has(candidate)) return candidate;
  for (let suffix = 2; ; suffix += 1) {
    const numbered = `${candidate.slice(0, MAX_UNIT_ID_LENGTH - String(suffix).length - 1)}-${suffix}`;
    if (!taken.has(numbered)) return numbered;
  }
}
