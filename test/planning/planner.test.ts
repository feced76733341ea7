import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, PlanError } from '../../src/errors.js';
import { AgentQueryError } from '../../src/planning/ask-agent.js';
import { planFromObjective } from '../../src/planning/planner.js';
import { git, removeTempDir } from '../helpers/cli.js';
import { FAKE_CLAUDE, leftCheckouts, makePlanningSandbox, type PlanningSandbox } from './planning-fixture.js';

let sandbox: PlanningSandbox;
beforeEach(() => {
  sandbox = makePlanningSandbox();
});
afterEach(() => {
  removeTempDir(sandbox.root);
});

function plan(objective: string, overrides: Record<string, unknown> = {}) {
  return planFromObjective({
    objective,
    repo: sandbox.repo,
    baseCommit: sandbox.baseCommit,
    config: sandbox.config(overrides),
    stateDir: sandbox.stateDir,
    signal: new AbortController().signal,
  });
}

async function planError(objective: string, overrides: Record<string, unknown> = {}): Promise<PlanError> {
  const error = await plan(objective, overrides).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(PlanError);
  expect((error as PlanError).exitCode).toBe(ExitCode.plan);
  return error as PlanError;
}

describe('planFromObjective', () => {
  it('turns a good answer among prose into a valid plan, in a checkout of the base commit that is removed', async () => {
    const result = await plan('Write two files. fake-planner: good');

    expect(result.attempts).toBe(1);
    expect(result.plan.units.map((unit) => [unit.id, unit.depends_on, unit.files])).toEqual([
      ['first', [], ['first.txt']],
      ['second', ['first'], ['second.txt']],
    ]);
    // The objective travels with the plan even when the planner leaves it out.
    expect(result.plan.objective).toBe('Write two files. fake-planner: good');
    const [prompt] = sandbox.prompts();
    expect(prompt).toContain('Write two files.');
    expect(prompt).toContain(sandbox.baseCommit);
    expect(prompt).toContain('"depends_on"');
    expect(prompt).toContain('at most 64 characters');
    const cwd = fs.readFileSync(path.join(sandbox.promptsDir, 'cwd-1.txt'), 'utf8');
    expect(cwd.startsWith(path.join(sandbox.stateDir, 'planning'))).toBe(true);
    expect(fs.existsSync(cwd)).toBe(false);
    expect(leftCheckouts(sandbox.stateDir)).toEqual([]);
    expect(fs.existsSync(path.join(sandbox.stateDir, 'logs', 'planning', 'planner-1.log'))).toBe(true);
    // The state folder is kept out of git: the repository stays clean for the run.
    expect(git(sandbox.repo, 'status', '--porcelain')).toBe('');
  });

  it('retries a cycle once with the exact error and takes the fixed plan', async () => {
    const result = await plan('fake-planner: cycle-once');

    expect(result.attempts).toBe(2);
    expect(result.plan.units.map((unit) => unit.id)).toEqual(['first', 'second']);
    const prompts = sandbox.prompts();
    expect(prompts).toHaveLength(2);
    expect(prompts[0]).not.toContain('could not be used');
    expect(prompts[1]).toContain('## Your previous answer could not be used');
    expect(prompts[1]).toContain('dependency cycle: alpha -> beta -> alpha');
    // Its previous output goes back with the error.
    expect(prompts[1]).toContain('"id": "alpha"');
    expect(leftCheckouts(sandbox.stateDir)).toEqual([]);
  });

  it('stops with the cycle after a second cyclic answer (exit 4)', async () => {
    const error = await planError('fake-planner: cycle');

    expect(error.message).toContain('unusable twice');
    expect(error.message).toContain('dependency cycle: alpha -> beta -> alpha');
    expect(sandbox.prompts()).toHaveLength(2);
    expect(leftCheckouts(sandbox.stateDir)).toEqual([]);
  });

  it('says the agent printed no JSON object when it printed prose, quoting it', async () => {
    const error = await planError('fake-planner: prose');

    expect(error.message).toContain('printed no JSON object');
    expect(error.message).toContain('I looked at the repository');
    expect(sandbox.prompts()[1]).toContain('printed no JSON object');
  });

  it('reports invalid JSON with its position', async () => {
    const error = await planError('fake-planner: invalid-json');

    expect(error.message).toContain('not valid JSON');
    expect(error.message).toMatch(/line 1, column \d+/);
  });

  it('refuses 500 units over the cap, naming the cap and how to raise it', async () => {
    const error = await planError('fake-planner: many', { planner: { maxUnits: 20 } });

    expect(error.message).toContain('500 units');
    expect(error.message).toContain('cap of 20');
    expect(error.message).toContain('"planner.maxUnits"');
    expect(sandbox.prompts()[1]).toContain('cap of 20');
  });

  it('refuses overrides a planner may not write', async () => {
    const error = await planError('fake-planner: good', {
      agent: {
        kind: 'command',
        command: process.execPath,
        args: [
          '-e',
          'console.log(JSON.stringify({units:[{id:"a",title:"A",prompt:"p",agent:{kind:"scripted"}}]}))',
        ],
      },
    });

    expect(error.message).toContain('units.0.agent');
    expect(error.message).toContain('may not write');
  });

  it('ends a planner that outlives its timeout and removes its checkout', async () => {
    const error = await plan('fake-planner: hang', { planner: { timeoutMs: 1500 }, killGraceMs: 200 }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );

    expect(error).toBeInstanceOf(AgentQueryError);
    expect((error as Error).message).toContain('timed out after');
    expect((error as Error).message).toContain('timeoutMs');
    expect(leftCheckouts(sandbox.stateDir)).toEqual([]);
  });

  it('says to log in when the tool is not logged in (exit 15), quoting the tool', async () => {
    const error = await plan('fake-claude: not-logged-in', {
      planner: {
        agent: { kind: 'command', command: process.execPath, args: [FAKE_CLAUDE], output: 'stream-json' },
      },
    }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );

    expect(error).toBeInstanceOf(AgentQueryError);
    const query = error as AgentQueryError;
    expect(query.failureKind).toBe('auth');
    expect(query.exitCode).toBe(ExitCode.agentAuth);
    expect(query.message).toContain('Not logged in');
    expect(query.message).toContain('Log in');
    expect(query.message).toContain('gaffer doctor');
    expect(leftCheckouts(sandbox.stateDir)).toEqual([]);
  });
});
