import { describe, expect, it } from 'vitest';
import { PLAIN_UNIT_KEYS, PLAN_KEYS, plainPlanShape } from '../../src/plan/plain-shape.js';
import { PlanSchema, UnitSchema } from '../../src/plan/schema.js';

/** What the schema makes of a plan; the plain path must give exactly this, keys in the same order. */
function bySchema(value: unknown): unknown {
  return PlanSchema.parse(value);
}

const plainPlans: Record<string, unknown> = {
  'the smallest plan': { units: [{ id: 'a', title: 'A', prompt: 'do a' }] },
  'name, objective, dependencies and file hints': {
    name: 'big',
    objective: 'ship it',
    units: [
      { id: 'a', title: 'A', prompt: 'do a', depends_on: [], files: ['src/a.ts', 'test/**'] },
      { id: 'b', title: 'B', prompt: 'do b', depends_on: ['a', 'a'] },
    ],
  },
  'keys written in another order': {
    units: [{ files: ['src/'], depends_on: ['x'], prompt: 'p', title: 't', id: 'b' }],
    objective: 'o',
    name: 'n',
  },
  'an empty files list and empty strings where the schema allows them': {
    units: [{ id: '', title: '', prompt: '', files: [] }],
  },
};

describe('the plain plan shape', () => {
  for (const [name, plan] of Object.entries(plainPlans)) {
    it(`gives what PlanSchema gives, key order included: ${name}`, () => {
      const plain = plainPlanShape(structuredClone(plan));
      expect(plain).toEqual(bySchema(structuredClone(plan)));
      expect(JSON.stringify(plain)).toBe(JSON.stringify(bySchema(structuredClone(plan))));
    });
  }

  it('copies the arrays it returns, as the schema does', () => {
    const plan = { units: [{ id: 'a', title: 'A', prompt: 'p', depends_on: ['b'], files: ['f'] }] };
    const plain = plainPlanShape(plan);
    expect(plain?.units[0]?.depends_on).not.toBe(plan.units[0]?.depends_on);
    expect(plain?.units[0]?.files).not.toBe(plan.units[0]?.files);
    expect(plain?.units[0]).not.toBe(plan.units[0]);
  });

  const schemaPlans: Record<string, unknown> = {
    'a unit with its own agent': {
      units: [{ id: 'a', title: 'A', prompt: 'p', agent: { kind: 'scripted' } }],
    },
    'a unit with a timeout': { units: [{ id: 'a', title: 'A', prompt: 'p', timeoutMs: 1000 }] },
    'a unit with checks': { units: [{ id: 'a', title: 'A', prompt: 'p', checks: [] }] },
    'an unknown unit key': { units: [{ id: 'a', title: 'A', prompt: 'p', dependsOn: ['b'] }] },
    'an unknown plan key': { units: [{ id: 'a', title: 'A', prompt: 'p' }], version: 2 },
    'a number for an id': { units: [{ id: 1, title: 'A', prompt: 'p' }] },
    'a missing prompt': { units: [{ id: 'a', title: 'A' }] },
    'an empty file hint': { units: [{ id: 'a', title: 'A', prompt: 'p', files: [''] }] },
    'a dependency that is no string': { units: [{ id: 'a', title: 'A', prompt: 'p', depends_on: [null] }] },
    'no units': { units: [] },
    'an empty name': { name: '', units: [{ id: 'a', title: 'A', prompt: 'p' }] },
    'an objective that is no string': { objective: 3, units: [{ id: 'a', title: 'A', prompt: 'p' }] },
    'units that are no list': { units: { a: {} } },
    'a plan that is a list': [{ id: 'a' }],
    'a unit that is a list': { units: [['a']] },
  };
  for (const [name, plan] of Object.entries(schemaPlans)) {
    it(`leaves it to the schema: ${name}`, () => {
      expect(plainPlanShape(plan)).toBeUndefined();
    });
  }

  it("knows the schema's keys, in the schema's order (a key added to the schema must be added here)", () => {
    expect(Object.keys(PlanSchema.shape)).toEqual(PLAN_KEYS);
    const unitKeys = Object.keys(UnitSchema.shape);
    expect(unitKeys.filter((key) => PLAIN_UNIT_KEYS.includes(key))).toEqual(PLAIN_UNIT_KEYS);
    expect(unitKeys.filter((key) => !PLAIN_UNIT_KEYS.includes(key)).sort()).toEqual([
      'agent',
      'checks',
      'host',
      'timeoutMs',
    ]);
  });
});
