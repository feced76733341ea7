import { describe, expect, it } from 'vitest';
import { ExitCode, PlanError } from '../../src/errors.js';
import type { Plan } from '../../src/plan/schema.js';
import { toValidUnitId, unitIdProblem, validatePlan } from '../../src/plan/validate.js';

function plan(units: [string, string[]?][]): Plan {
  return {
    name: 'test',
    units: units.map(([id, depends_on = []]) => ({ id, title: id, prompt: `do ${id}`, depends_on })),
  };
}

function problemsOf(candidate: Plan): string {
  let caught: unknown;
  try {
    validatePlan(candidate);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PlanError);
  const error = caught as PlanError;
  expect(error.exitCode).toBe(ExitCode.plan);
  return error.message;
}

describe('validatePlan', () => {
  it('returns a valid plan unchanged', () => {
    const valid = plan([['a'], ['b', ['a']], ['c', ['a', 'b']], ['v1.2_final-fix']]);
    expect(validatePlan(valid)).toBe(valid);
  });

  it('names a duplicate id and where it occurs', () => {
    const message = problemsOf(plan([['a'], ['b'], ['a']]));
    expect(message).toContain('plan "test" is invalid (1 problem):');
    expect(message).toContain('duplicate unit id "a" (units.0, units.2); ids must be unique');
  });

  it('names an unknown dependency and suggests a close id', () => {
    const message = problemsOf(plan([['login'], ['logout', ['logn', 'ghost']]]));
    expect(message).toContain('(2 problems)');
    expect(message).toContain(
      'unit logout depends on logn, which is not in the plan (did you mean "login"?)',
    );
    expect(message).toContain(
      "unit logout depends on ghost, which is not in the plan; add a unit with that id or remove it from logout's depends_on",
    );
  });

  it('reports a self dependency on its own, not as a cycle', () => {
    const message = problemsOf(plan([['a', ['a']]]));
    expect(message).toContain('(1 problem)');
    expect(message).toContain('unit a depends on itself; remove "a" from its depends_on');
  });

  it('names cycle members in dependency order starting from the first in the plan', () => {
    const message = problemsOf(plan([['start'], ['b', ['c']], ['a', ['b', 'start']], ['c', ['a']]]));
    expect(message).toContain('(1 problem)');
    expect(message).toContain('dependency cycle: b -> c -> a -> b');
    expect(message).toContain('remove one of these depends_on entries');
  });

  it('reports two separate cycles', () => {
    const message = problemsOf(
      plan([['a', ['b']], ['b', ['a']], ['ok'], ['x', ['y']], ['y', ['z']], ['z', ['x']]]),
    );
    expect(message).toContain('(2 problems)');
    expect(message).toContain('dependency cycle: a -> b -> a');
    expect(message).toContain('dependency cycle: x -> y -> z -> x');
  });

  it('reports every problem at once, of every kind', () => {
    const message = problemsOf(plan([['a', ['a']], ['a'], ['b', ['c']], ['c', ['b', 'nope']], ['bad/id']]));
    expect(message).toContain('(5 problems)');
    expect(message).toContain('unit id "bad/id"');
    expect(message).toContain('duplicate unit id "a"');
    expect(message).toContain('unit a depends on itself');
    expect(message).toContain('unit c depends on nope, which is not in the plan');
    expect(message).toContain('dependency cycle: b -> c -> b');
  });

  it.each([
    ['feat/login', 'it contains "/"', 'feat-login'],
    ['add login', 'it contains " "', 'add-login'],
    ['-leading', 'it must start with a letter or digit', 'leading'],
    ['_x', 'it must start with a letter or digit', 'x'],
    ['a..b', 'it contains ".."', 'a.b'],
    ['release.lock', 'it ends with ".lock"', 'release'],
    ['v1.', 'it ends with "."', 'v1'],
    ['x'.repeat(65), 'it is 65 characters long (at most 64)', 'x'.repeat(64)],
    ['fix~1^2:x', 'it contains "~", "^", ":"', 'fix-1-2-x'],
    ['', 'it is empty', 'unit'],
  ])('rejects the id %j: %s', (id, rule, suggestion) => {
    const message = problemsOf(plan([[id]]));
    expect(message).toContain(`unit id ${JSON.stringify(id)} (units.0) cannot be part of a git branch name`);
    expect(message).toContain(rule);
    expect(message).toContain(`Rename it, e.g. to "${suggestion}"`);
  });

  it('suggests a rename that does not collide with an existing id', () => {
    const message = problemsOf(plan([['feat-login'], ['feat/login']]));
    expect(message).toContain('Rename it, e.g. to "feat-login-2"');
  });
});

describe('unit id helpers', () => {
  it('accepts branch-safe ids and makes any string branch-safe', () => {
    for (const id of ['a', 'A1', '1st', 'v1.2', 'snake_case', 'kebab-case', 'x'.repeat(64)]) {
      expect(unitIdProblem(id)).toBeUndefined();
    }
    for (const raw of ['..', '-.lock', 'a b/c..d.lock.', '日本語', 'é-accent', '.hidden']) {
      expect(unitIdProblem(toValidUnitId(raw))).toBeUndefined();
    }
  });

  it('rejects a file hint with ".." or an absolute path, with the other problems', () => {
    const candidate = plan([['a'], ['b', ['ghost']]]);
    candidate.units[0] = { ...candidate.units[0]!, files: ['src/ok.ts', '../outside/x.ts', '/etc/hosts'] };
    const message = problemsOf(candidate);
    expect(message).toContain('(3 problems)');
    expect(message).toContain(
      'unit a files.1 "../outside/x.ts" cannot be a file hint: it contains ".."; name files inside the repository, relative to its root',
    );
    expect(message).toContain(
      'unit a files.2 "/etc/hosts" cannot be a file hint: it is an absolute path; write it relative to the repository root',
    );
  });

  it('accepts file hints inside the repository', () => {
    const candidate = plan([['a']]);
    candidate.units[0] = { ...candidate.units[0]!, files: ['src/api/', 'src/**/*.ts', 'README.md'] };
    expect(validatePlan(candidate)).toBe(candidate);
  });
});
