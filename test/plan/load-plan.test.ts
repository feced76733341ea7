import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, PlanError } from '../../src/errors.js';
import { loadPlan, parsePlan } from '../../src/plan/load.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-plan-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function writePlan(value: unknown): string {
  const file = path.join(dir, 'plan.json');
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

function planErrorFrom(load: () => unknown): PlanError {
  let caught: unknown;
  try {
    load();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PlanError);
  const error = caught as PlanError;
  expect(error.exitCode).toBe(ExitCode.plan);
  return error;
}

describe('loadPlan', () => {
  it('loads a valid plan and fills defaults', () => {
    const file = writePlan({
      units: [
        { id: 'schema', title: 'Add the schema', prompt: 'write src/schema.ts' },
        {
          id: 'api',
          title: 'Add the API',
          prompt: 'write src/api.ts',
          depends_on: ['schema'],
          timeoutMs: 60_000,
          agent: { kind: 'codex', model: 'o3' },
          checks: [{ name: 'api-tests', command: ['npm', 'run', 'test:api'] }],
        },
      ],
    });
    const plan = loadPlan(file);
    expect(plan.name).toBe('plan');
    expect(plan.units[0]).toEqual({
      id: 'schema',
      title: 'Add the schema',
      prompt: 'write src/schema.ts',
      depends_on: [],
    });
    expect(plan.units[1]?.agent).toEqual({
      kind: 'codex',
      command: 'codex',
      args: [],
      model: 'o3',
      env: {},
      passEnv: ['CODEX_API_KEY', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'CODEX_HOME'],
      autoCommit: true,
    });
    expect(plan.units[1]?.checks).toEqual([
      {
        name: 'api-tests',
        command: ['npm', 'run', 'test:api'],
        timeoutMs: 600_000,
        gate: true,
        parser: 'exit-code',
      },
    ]);
  });

  it('a missing file is a PlanError naming the path', () => {
    const missing = path.join(dir, 'missing.json');
    const error = planErrorFrom(() => loadPlan(missing));
    expect(error.message).toContain(`plan file not found: ${missing}`);
  });

  it('broken JSON names the line', () => {
    const file = writePlan('{\n  "units": [\n    { "id": \'a\' }\n  ]\n}');
    const error = planErrorFrom(() => loadPlan(file));
    expect(error.message).toContain(
      `plan file ${file}: not valid JSON at line 3, column 13: Unexpected token '''`,
    );
    expect(error.message).toContain(`3 |     { "id": 'a' }`);
  });

  it('lists every schema problem by path', () => {
    const file = writePlan({
      units: [
        { id: 'a', title: 'A' },
        { id: 'b', title: 'B', prompt: 'p', depends_on: 'a', agent: { kind: 'command' } },
        { id: 'c', title: 'C', prompt: 'p', dependsOn: ['a'] },
      ],
    });
    const error = planErrorFrom(() => loadPlan(file));
    expect(error.message).toContain(`plan ${file} is invalid (4 problems):`);
    expect(error.message).toContain('  - units.0.prompt: required: expected a string');
    expect(error.message).toContain('  - units.1.depends_on: expected an array, got the string "a"');
    expect(error.message).toContain('  - units.1.agent.command: required: expected a string');
    expect(error.message).toContain('  - units.2.dependsOn: unknown key (did you mean "depends_on"?)');
  });

  it('a plan without units is rejected', () => {
    const error = planErrorFrom(() => loadPlan(writePlan({ name: 'empty', units: [] })));
    expect(error.message).toContain('units: must have at least one item');
  });

  it('runs the whole-plan checks after the schema', () => {
    const file = writePlan({ units: [{ id: 'a', title: 'A', prompt: 'p', depends_on: ['ghost'] }] });
    const error = planErrorFrom(() => loadPlan(file));
    expect(error.message).toContain(`plan ${file} is invalid (1 problem):`);
    expect(error.message).toContain('unit a depends on ghost, which is not in the plan');
  });
});

describe('parsePlan', () => {
  it('validates plans built in code with the same errors', () => {
    const error = planErrorFrom(() =>
      parsePlan({ units: [{ id: 'a', title: 'A', prompt: 1 }] }, 'demo plan'),
    );
    expect(error.message).toContain('plan demo plan is invalid (1 problem):');
    expect(error.message).toContain('units.0.prompt: expected a string, got the number 1');
  });
});
