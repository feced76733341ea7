import { describe, expect, it } from 'vitest';
import { PlanError } from '../../src/errors.js';
import {
  dependencyDepth,
  findDependencyCycles,
  topologicalOrder,
  transitiveDependents,
  type GraphUnit,
} from '../../src/plan/graph.js';

function units(spec: Record<string, string[]>): GraphUnit[] {
  return Object.entries(spec).map(([id, depends_on]) => ({ id, depends_on }));
}

// a <- b <- d, a <- c <- d, e independent, f depends on d
const diamond = units({ f: ['d'], d: ['b', 'c'], b: ['a'], c: ['a'], a: [], e: [] });

describe('transitiveDependents', () => {
  it('finds direct and indirect dependents in plan order', () => {
    expect(transitiveDependents(diamond, 'a')).toEqual(['f', 'd', 'b', 'c']);
    expect(transitiveDependents(diamond, 'c')).toEqual(['f', 'd']);
    expect(transitiveDependents(diamond, 'f')).toEqual([]);
    expect(transitiveDependents(diamond, 'e')).toEqual([]);
  });

  it('terminates on a cycle and never lists the unit itself', () => {
    expect(transitiveDependents(units({ a: ['b'], b: ['a'], c: ['b'] }), 'a')).toEqual(['b', 'c']);
  });
});

describe('dependencyDepth', () => {
  it('is 0 without dependencies and one more than the deepest dependency otherwise', () => {
    const depth = dependencyDepth(diamond);
    expect(Object.fromEntries(depth)).toEqual({ f: 3, d: 2, b: 1, c: 1, a: 0, e: 0 });
    expect([...depth.keys()]).toEqual(['f', 'd', 'b', 'c', 'a', 'e']);
  });

  it('uses the longest path, not the shortest', () => {
    const depth = dependencyDepth(units({ a: [], b: ['a'], c: ['b'], d: ['a', 'c'] }));
    expect(depth.get('d')).toBe(3);
  });

  it('ignores dependencies outside the list', () => {
    expect(dependencyDepth(units({ a: ['elsewhere'] })).get('a')).toBe(0);
  });

  it('throws a PlanError naming a cycle', () => {
    expect(() => dependencyDepth(units({ a: ['b'], b: ['a'] }))).toThrow(PlanError);
    expect(() => dependencyDepth(units({ a: ['b'], b: ['a'] }))).toThrow('dependency cycle: a -> b -> a');
  });
});

describe('topologicalOrder', () => {
  it('puts every unit after its dependencies, wave by wave in plan order', () => {
    const order = topologicalOrder(diamond);
    expect(order).toEqual(['a', 'e', 'b', 'c', 'd', 'f']);
    for (const unit of diamond) {
      for (const dependency of unit.depends_on)
        expect(order.indexOf(dependency)).toBeLessThan(order.indexOf(unit.id));
    }
  });

  it('handles a long chain without deep recursion', () => {
    const chain = Array.from({ length: 20_000 }, (_, index) => ({
      id: `u${index}`,
      depends_on: index === 0 ? [] : [`u${index - 1}`],
    }));
    expect(topologicalOrder(chain.slice().reverse())[19_999]).toBe('u19999');
    expect(findDependencyCycles(chain)).toEqual([]);
  });
});

describe('findDependencyCycles', () => {
  it('finds each distinct cycle once, including ones sharing a unit', () => {
    const cycles = findDependencyCycles(units({ a: ['b', 'c'], b: ['a'], c: ['a'], d: ['d'] }));
    expect(cycles).toEqual([['a', 'b'], ['a', 'c'], ['d']]);
  });
});
