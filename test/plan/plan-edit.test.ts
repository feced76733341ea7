import { describe, expect, it } from 'vitest';
import { PlanError } from '../../src/errors.js';
import { changedFields, planEdit, type LiveStatus, type LiveUnit } from '../../src/plan/edit.js';
import { parsePlan } from '../../src/plan/load.js';
import { PlanSchema, UnitSchema, type Plan, type Unit, type UnitInput } from '../../src/plan/schema.js';
import { validatePlan } from '../../src/plan/validate.js';

/** A unit as the schema fills it in (an agent gets its defaults). */
function unit(id: string, extra: Partial<UnitInput> = {}): Unit {
  return UnitSchema.parse({ id, title: `Title of ${id}`, prompt: `do ${id}`, ...extra });
}

function live(unitSpec: Unit, status: LiveStatus, origin: LiveUnit['origin'] = 'plan'): LiveUnit {
  return { unit: unitSpec, status, origin };
}

/** A plan as the watcher hands it over: schema-checked, whole-plan rules left to planEdit. */
function file(units: Unit[], header: { name?: string; objective?: string } = {}): Plan {
  return PlanSchema.parse({ ...header, units });
}

const none: ReadonlySet<string> = new Set();

/** The message validatePlan throws for these units. */
function validatorMessage(units: Unit[], source?: string): string {
  try {
    validatePlan({ name: 'plan', units }, source);
  } catch (error) {
    expect(error).toBeInstanceOf(PlanError);
    return (error as PlanError).message;
  }
  throw new Error('expected validatePlan to reject these units');
}

const schema = unit('schema');
const api = unit('api', { depends_on: ['schema'] });
const docs = unit('docs', { depends_on: ['api'] });

describe('planEdit: adding and updating', () => {
  it('adds a unit with a new id, which may depend on existing units', () => {
    const current = [live(schema, 'done'), live(api, 'pending')];
    const extra = unit('cli', { depends_on: ['schema'] });
    const edit = planEdit(current, none, file([schema, api, extra]));
    expect(edit).toMatchObject({ ok: true, added: [extra], updated: [], removed: [], refused: [] });
    expect(edit.unchanged).toBe(false);
    expect(edit.units.map((u) => u.id)).toEqual(['schema', 'api', 'cli']);
  });

  it("updates a pending unit's prompt, dependencies, timeout and agent, naming each field", () => {
    const current = [live(schema, 'done'), live(unit('lint'), 'done'), live(api, 'pending')];
    const newApi = unit('api', {
      prompt: 'do api, with pagination',
      depends_on: ['schema', 'lint'],
      timeoutMs: 120_000,
      agent: { kind: 'codex', model: 'o3' },
    });
    const edit = planEdit(current, none, file([schema, unit('lint'), newApi]));
    expect(edit.ok).toBe(true);
    expect(edit.updated).toEqual([
      { id: 'api', unit: newApi, fields: ['prompt', 'depends_on', 'timeoutMs', 'agent'] },
    ]);
    expect(edit.units.find((u) => u.id === 'api')).toEqual(newApi);
    expect(edit.refused).toEqual([]);
  });

  it.each(['pending', 'blocked', 'failed', 'killed'] as const)(
    'a %s unit has not started: it follows the file',
    (status) => {
      const edit = planEdit([live(schema, status)], none, file([unit('schema', { title: 'New title' })]));
      expect(edit.updated.map((u) => [u.id, u.fields])).toEqual([['schema', ['title']]]);
    },
  );

  it('compares fields by canonical JSON: key order in an agent or check is no change', () => {
    const before = unit('api', {
      agent: { kind: 'command', command: 'tool', args: ['--go'], env: { A: '1', B: '2' } },
      checks: [{ name: 'test', command: ['npm', 'test'], gate: true }],
    });
    const after = PlanSchema.parse({
      units: [
        {
          checks: [{ gate: true, command: ['npm', 'test'], name: 'test' }],
          agent: { env: { B: '2', A: '1' }, args: ['--go'], command: 'tool', kind: 'command' },
          prompt: 'do api',
          title: 'Title of api',
          id: 'api',
        },
      ],
    });
    expect(changedFields(before, after.units[0] as Unit)).toEqual([]);
    const edit = planEdit([live(before, 'pending')], none, after);
    expect(edit).toMatchObject({ ok: true, unchanged: true, updated: [], refused: [] });
  });

  it('a file that parses to the same plan (only whitespace changed) is unchanged', () => {
    const current = [live(schema, 'done'), live(api, 'running'), live(docs, 'pending')];
    const spaced = JSON.parse(JSON.stringify({ units: [schema, api, docs] }, null, 8)) as unknown;
    const edit = planEdit(current, none, parsePlan(spaced, 'plan.json'));
    expect(edit).toEqual({
      ok: true,
      added: [],
      updated: [],
      removed: [],
      refused: [],
      units: [schema, api, docs],
      objectiveChanged: false,
      unchanged: true,
    });
  });
});

describe('planEdit: units that have started keep their spec', () => {
  it("refuses a new prompt for a running unit and keeps the old one in the run's plan", () => {
    const current = [live(schema, 'done'), live(api, 'running')];
    const edit = planEdit(
      current,
      none,
      file([schema, unit('api', { prompt: 'something else', depends_on: ['schema'] })]),
    );
    expect(edit.ok).toBe(true);
    expect(edit.updated).toEqual([]);
    expect(edit.refused).toEqual([
      'unit api is running: its new prompt is ignored; the running attempt keeps the old one. For more work, add a unit with a new id',
    ]);
    expect(edit.units.find((u) => u.id === 'api')).toBe(api);
    expect(edit.unchanged).toBe(true);
  });

  it('names every refused field of a merging or done unit', () => {
    const current = [live(schema, 'done'), live(api, 'merging')];
    const edit = planEdit(
      current,
      none,
      file([
        unit('schema', { title: 'Renamed' }),
        unit('api', { prompt: 'other', timeoutMs: 5000, depends_on: ['schema'] }),
      ]),
    );
    expect(edit.refused).toEqual([
      'unit schema is done: its new title is ignored; its work, made with the old one, has merged. For more work, add a unit with a new id',
      'unit api is merging: its new prompt and timeoutMs are ignored; its branch, made with the old ones, is in the merge queue. For more work, add a unit with a new id',
    ]);
    expect(edit.units).toEqual([schema, api]);
  });

  it('a running unit deleted from the file stays in the run', () => {
    const current = [live(schema, 'done'), live(api, 'running'), live(docs, 'pending')];
    const edit = planEdit(current, none, file([schema, docs]));
    expect(edit.ok).toBe(true);
    expect(edit.removed).toEqual([]);
    expect(edit.refused).toEqual([
      'unit api is running and is no longer in the plan file: it stays in the run (its attempt goes on and merges as planned)',
    ]);
    expect(edit.units).toEqual([schema, docs, api]);
  });

  it('a pending unit may depend on a done unit the file no longer lists, which stays in the run', () => {
    const current = [live(schema, 'done'), live(api, 'pending')];
    const edit = planEdit(current, none, file([api]));
    expect(edit.ok).toBe(true);
    expect(edit.refused).toEqual([
      'unit schema is done and is no longer in the plan file: it stays in the run (its work has merged, and other units may depend on it)',
    ]);
    expect(edit.units).toEqual([api, schema]);
  });
});

describe('planEdit: removing units', () => {
  it('removes a pending unit the file no longer lists', () => {
    const current = [live(schema, 'done'), live(api, 'pending'), live(docs, 'pending')];
    const edit = planEdit(current, none, file([schema, api]));
    expect(edit).toMatchObject({ ok: true, removed: ['docs'], refused: [], unchanged: false });
    expect(edit.units).toEqual([schema, api]);
  });

  it('keeps units from discovery and fixups that the file does not list', () => {
    const found = unit('fix-flaky-test', { depends_on: ['schema'] });
    const fixup = unit('fixup-1');
    const current = [
      live(schema, 'done'),
      live(found, 'pending', 'discovery'),
      live(fixup, 'running', 'fixup'),
    ];
    const edit = planEdit(current, none, file([schema]));
    expect(edit).toMatchObject({ ok: true, removed: [], refused: [], unchanged: true });
    expect(edit.units).toEqual([schema, found, fixup]);
  });

  it('a unit from an earlier edit is expected in the file like the plan units', () => {
    const added = unit('cli');
    const edit = planEdit([live(schema, 'pending'), live(added, 'pending', 'edit')], none, file([schema]));
    expect(edit.removed).toEqual(['cli']);
  });

  it('a discovered unit the file names is updated under the same rules', () => {
    const found = unit('fix-flaky-test');
    const running = unit('audit');
    const current = [live(found, 'pending', 'discovery'), live(running, 'running', 'discovery')];
    const edit = planEdit(
      current,
      none,
      file([unit('fix-flaky-test', { prompt: 'fix it properly' }), unit('audit', { prompt: 'audit more' })]),
    );
    expect(edit.updated.map((u) => [u.id, u.fields])).toEqual([['fix-flaky-test', ['prompt']]]);
    expect(edit.refused).toEqual([
      expect.stringMatching(/^unit audit is running: its new prompt is ignored/),
    ]);
  });
});

describe('planEdit: edits that are ignored as a whole', () => {
  it('refuses a new unit that reuses an id removed earlier in the run', () => {
    const current = [live(schema, 'done')];
    const edit = planEdit(current, new Set(['docs']), file([schema, unit('docs'), unit('cli')]));
    expect(edit.ok).toBe(false);
    expect(edit.error).toBe(
      'unit id docs was removed from this run; its attempts, branches and logs keep that name: choose another id',
    );
    expect(edit).toMatchObject({ added: [], updated: [], removed: [], refused: [], unchanged: false });
    expect(edit.units).toEqual([schema]);
  });

  it('rejects a cycle with the validator message, which names it', () => {
    const current = [live(schema, 'done'), live(api, 'pending'), live(docs, 'pending')];
    const cyclic = [schema, unit('api', { depends_on: ['schema', 'docs'] }), docs];
    const edit = planEdit(current, none, file(cyclic), undefined, '/repo/plan.json');
    expect(edit.ok).toBe(false);
    expect(edit.error).toBe(validatorMessage(cyclic, '/repo/plan.json'));
    expect(edit.error).toContain('dependency cycle: api -> docs -> api');
    expect(edit.updated).toEqual([]);
  });

  it('rejects a dependency on a unit removed by this edit', () => {
    const current = [live(schema, 'done'), live(api, 'pending'), live(docs, 'pending')];
    const edit = planEdit(current, none, file([schema, docs]));
    expect(edit.ok).toBe(false);
    expect(edit.error).toBe(validatorMessage([schema, docs]));
    expect(edit.error).toContain('unit docs depends on api, which is not in the plan');
    expect(edit.removed).toEqual([]);
  });

  it('rejects a dependency on a unit removed earlier in the run', () => {
    const current = [live(schema, 'done')];
    const cli = unit('cli', { depends_on: ['docs'] });
    const edit = planEdit(current, new Set(['docs']), file([schema, cli]));
    expect(edit.ok).toBe(false);
    expect(edit.error).toBe(validatorMessage([schema, cli]));
    expect(edit.error).toContain('unit cli depends on docs, which is not in the plan');
  });

  it('rejects a bad id or a duplicate id with the validator message', () => {
    const bad = [live(schema, 'done')];
    const badIds = [schema, unit('new unit'), unit('schema')];
    const edit = planEdit(bad, none, file(badIds));
    expect(edit.ok).toBe(false);
    expect(edit.error).toBe(validatorMessage(badIds));
    expect(edit.error).toMatch(/unit id "new unit" \(units\.1\) cannot be part of a git branch name/);
    expect(edit.error).toMatch(/duplicate unit id "schema"/);
  });

  it('a dependency on a running unit through its refused new spec does not count', () => {
    // The running unit keeps depends_on [schema]; its new spec's cycle is ignored with it.
    const current = [live(schema, 'done'), live(api, 'running'), live(docs, 'pending')];
    const edit = planEdit(current, none, file([schema, unit('api', { depends_on: ['docs'] }), docs]));
    expect(edit.ok).toBe(true);
    expect(edit.refused).toEqual([
      expect.stringMatching(/^unit api is running: its new depends_on is ignored/),
    ]);
    expect(edit.units).toEqual([schema, api, docs]);
  });
});

describe('planEdit: plan-level fields', () => {
  const current = [live(schema, 'pending')];

  it('reports a new objective, which later prompts use', () => {
    const edit = planEdit(current, none, file([schema], { name: 'shop', objective: 'ship v2' }), {
      name: 'shop',
      objective: 'ship v1',
    });
    expect(edit).toMatchObject({ ok: true, objectiveChanged: true, unchanged: false, refused: [] });
  });

  it('an objective added where there was none is a change; the same one is not', () => {
    const header = { name: 'shop' };
    expect(
      planEdit(current, none, file([schema], { name: 'shop', objective: 'x' }), header).objectiveChanged,
    ).toBe(true);
    const same = planEdit(current, none, file([schema], { name: 'shop', objective: 'x' }), {
      name: 'shop',
      objective: 'x',
    });
    expect(same).toMatchObject({ objectiveChanged: false, unchanged: true });
  });

  it('refuses a new name: the run is identified by its plan', () => {
    const edit = planEdit(current, none, file([schema], { name: 'store' }), { name: 'shop' });
    expect(edit.ok).toBe(true);
    expect(edit.refused).toEqual([
      'the plan\'s name changed from "shop" to "store": the run keeps "shop", since a run is identified by its plan; put the old name back, or start a new run for the new name',
    ]);
    expect(edit.unchanged).toBe(true);
  });
});
