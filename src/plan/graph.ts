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
  const dependencies = dependencyMap(units);
  const planIndex = new Map(uniqueIds(units).map((id, index) => [id, index]));
  const finished = new Set<string>();
  const cycles = new Map<string, string[]>();
  // One path and stack for every root (each search ends with them empty): no allocation per unit.
  const path: string[] = [];
  const onPath = new Set<string>();
  const pending: { id: string; next: Iterator<string> }[] = [];
  const enter = (id: string): void => {
    path.push(id);
    onPath.add(id);
    pending.push({ id, next: (dependencies.get(id) ?? NO_DEPENDENCIES).values() });
  };
  for (const root of dependencies.keys()) {
    if (finished.has(root)) continue;
    enter(root);
    for (let top = pending.at(-1); top !== undefined; top = pending.at(-1)) {
      const step = top.next.next();
      if (step.done === true) {
        pending.pop();
        path.pop();
        onPath.delete(top.id);
        finished.add(top.id);
        continue;
      }
      const dependency = step.value;
      if (onPath.has(dependency)) {
        const cycle = rotateToFirst(path.slice(path.indexOf(dependency)), planIndex);
        cycles.set(cycle.join('\u0000'), cycle);
      } else if (!finished.has(dependency)) {
        enter(dependency);
      }
    }
  }
  return [...cycles.values()];
}

const NO_DEPENDENCIES: ReadonlySet<string> = new Set();

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

function rotateToFirst(cycle: string[], planIndex: Map<string, number>): string[] {
  let start = 0;
  cycle.forEach((id, index) => {
    if ((planIndex.get(id) ?? 0) < (planIndex.get(cycle[start] ?? '') ?? 0)) start = index;
  });
  return [...cycle.slice(start), ...cycle.slice(0, start)];
}
