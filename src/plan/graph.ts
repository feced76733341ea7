import { PlanError } from '../errors.js';

/**
 * Pure helpers over the unit dependency graph. They take the minimal shape so
 * the controller can pass its own unit records. Results follow plan order
 * wherever there is a choice, so the same plan always yields the same order
 * (stable UI rows, reproducible schedules). Dependencies naming units that are
 * not in the list are ignored: validatePlan reports those.
 */
export interface GraphUnit {
  readonly id: string;
  readonly depends_on: readonly string[];
}

/** Every unit that depends on `id` directly or through others, in plan order. */
export function transitiveDependents(units: readonly GraphUnit[], id: string): string[] {
  const dependentsOf = new Map<string, string[]>();
  for (const unit of units) {
    for (const dependency of unit.depends_on) {
      const list = dependentsOf.get(dependency) ?? [];
      list.push(unit.id);
      dependentsOf.set(dependency, list);
    }
  }
  const reached = new Set<string>();
  const queue = [id];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const dependent of dependentsOf.get(next) ?? []) {
      if (reached.has(dependent)) continue;
      reached.add(dependent);
      queue.push(dependent);
    }
  }
  reached.delete(id);
  return uniqueIds(units).filter((unitId) => reached.has(unitId));
}

/**
 * The wave each unit belongs to: 0 with no dependencies, else one more than
 * its deepest dependency. Throws a PlanError on a cycle, which has no depth.
 */
export function dependencyDepth(units: readonly GraphUnit[]): Map<string, number> {
  const dependencies = dependencyMap(units);
  const dependentsOf = new Map<string, string[]>();
  const waitingOn = new Map<string, number>();
  for (const [id, deps] of dependencies) {
    waitingOn.set(id, deps.size);
    for (const dependency of deps) {
      const list = dependentsOf.get(dependency);
      if (list === undefined) dependentsOf.set(dependency, [id]);
      else list.push(id);
    }
  }
  const depth = new Map<string, number>();
  const ready = [...dependencies.keys()].filter((id) => waitingOn.get(id) === 0);
  for (const id of ready) depth.set(id, 0);
  for (let index = 0; index < ready.length; index += 1) {
    const id = ready[index] as string;
    const own = depth.get(id) ?? 0;
    for (const dependent of dependentsOf.get(id) ?? []) {
      depth.set(dependent, Math.max(depth.get(dependent) ?? 0, own + 1));
      const remaining = (waitingOn.get(dependent) ?? 0) - 1;
      waitingOn.set(dependent, remaining);
      if (remaining === 0) ready.push(dependent);
    }
  }
  if (ready.length < dependencies.size) {
    const cycle = findDependencyCycles(units)[0] ?? [];
    throw new PlanError(
      `dependency cycle: ${[...cycle, cycle[0]].join(' -> ')}; remove one of these depends_on entries`,
    );
  }
  return new Map(uniqueIds(units).map((id) => [id, depth.get(id) ?? 0]));
}

/** Ids ordered so every unit comes after its dependencies: wave by wave, plan order within a wave. */
export function topologicalOrder(units: readonly GraphUnit[]): string[] {
  const depth = dependencyDepth(units);
  const ids = uniqueIds(units);
  const position = new Map(ids.map((id, index) => [id, index]));
  return ids.sort(
    (a, b) => (depth.get(a) ?? 0) - (depth.get(b) ?? 0) || (position.get(a) ?? 0) - (position.get(b) ?? 0),
  );
}

/**
 * Cycles found by a depth-first search, each listed in dependency order
 * (every unit depends on the next, the last on the first) and rotated to
 * start at the member that comes first in the plan. A unit depending on
 * itself is a cycle of one. Iterative so a long chain cannot overflow the stack.
 */
export function findDependencyCycles(units: readonly GraphUnit[]): string[][] {
  // Units by number and a state per unit (not a Set and an iterator per unit): a plan of
  // 10,000 units is searched without garbage.
  const { ids, dependencies } = numberedDependencies(units);
  const state = new Uint8Array(ids.length); // UNSEEN, ON_PATH or FINISHED
  const path: number[] = [];
  const nextEdge: number[] = [];
  const cycles = new Map<string, string[]>();
  for (let root = 0; root < ids.length; root += 1) {
    if (state[root] === FINISHED) continue;
    path.push(root);
    nextEdge.push(0);
    state[root] = ON_PATH;
    while (path.length > 0) {
      const top = path.length - 1;
      const id = path[top] as number;
      const edges = dependencies[id] as number[];
      const at = nextEdge[top] as number;
      if (at === edges.length) {
        path.pop();
        nextEdge.pop();
        state[id] = FINISHED;
        continue;
      }
      nextEdge[top] = at + 1;
      const dependency = edges[at] as number;
      if (state[dependency] === ON_PATH) {
        const cycle = rotateToFirst(path.slice(path.indexOf(dependency))).map(
          (member) => ids[member] as string,
        );
        cycles.set(cycle.join('\u0000'), cycle);
      } else if (state[dependency] === UNSEEN) {
        path.push(dependency);
        nextEdge.push(0);
        state[dependency] = ON_PATH;
      }
    }
  }
  return [...cycles.values()];
}

const UNSEEN = 0;
const ON_PATH = 1;
const FINISHED = 2;

/**
 * Unit ids numbered in plan order (a repeated id keeps its first number) and,
 * per number, its known dependencies by number, each once, in the order first named.
 */
function numberedDependencies(units: readonly GraphUnit[]): { ids: string[]; dependencies: number[][] } {
  const numberOf = new Map<string, number>();
  const ids: string[] = [];
  const dependencies: number[][] = [];
  for (const unit of units) {
    if (numberOf.has(unit.id)) continue;
    numberOf.set(unit.id, ids.length);
    ids.push(unit.id);
    dependencies.push([]);
  }
  for (const unit of units) {
    const edges = dependencies[numberOf.get(unit.id) as number] as number[];
    for (const dependency of unit.depends_on) {
      const number = numberOf.get(dependency);
      if (number !== undefined && !edges.includes(number)) edges.push(number);
    }
  }
  return { ids, dependencies };
}

/** Known dependencies per unit, deduplicated; duplicate unit ids merge their lists. */
function dependencyMap(units: readonly GraphUnit[]): Map<string, Set<string>> {
  const known = new Set(units.map((unit) => unit.id));
  const dependencies = new Map<string, Set<string>>();
  for (const unit of units) {
    const deps = dependencies.get(unit.id) ?? new Set<string>();
    for (const dependency of unit.depends_on) if (known.has(dependency)) deps.add(dependency);
    dependencies.set(unit.id, deps);
  }
  return dependencies;
}

function uniqueIds(units: readonly GraphUnit[]): string[] {
  return [...new Set(units.map((unit) => unit.id))];
}

/** The cycle started at its member first in the plan (the lowest number). */
function rotateToFirst(cycle: number[]): number[] {
  let start = 0;
  cycle.forEach((member, index) => {
    if (member < (cycle[start] as number)) start = index;
  });
  return [...cycle.slice(start), ...cycle.slice(0, start)];
}
