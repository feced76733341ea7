import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { loadPlan } from '../../src/plan/load.js';
import { expectCompletedRun, expectRefusal, git, runCli, runGaffer, useSandbox } from '../helpers/cli.js';
import { fakePlannerAgent } from '../planning/planning-fixture.js';

describe('gaffer plan --objective', () => {
  const sandbox = useSandbox();

  function usePlanner(scenario: string): string {
    const promptsDir = path.join(sandbox().root, 'planner-state');
    // The planner is the fake; the units run on the config's scripted agent.
    sandbox().writeConfig({
      plan: 'plans/generated.json',
      planner: {
        agent: {
          ...fakePlannerAgent(promptsDir),
          env: { FAKE_PLANNER: scenario, FAKE_PLANNER_STATE: promptsDir },
        },
      },
    });
    return path.join(sandbox().root, 'plans', 'generated.json');
  }

  it("writes the plan to the config's plan path, prints its waves and the review line", async () => {
    const planPath = usePlanner('good');

    const result = await runCli(
      ['plan', '--config', sandbox().configPath, '--objective', 'Write two files'],
      {
        cwd: sandbox().root,
      },
    );

    expect(result.exitCode, result.stderr).toBe(ExitCode.ok);
    const plan = loadPlan(planPath);
    expect(plan.objective).toBe('Write two files');
    expect(plan.units.map((unit) => unit.id)).toEqual(['first', 'second']);
    expect(result.stdout).toContain(`plan "from-objective": 2 units in 2 waves, written to ${planPath}`);
    expect(result.stdout).toContain('wave 1: first');
    expect(result.stdout).toContain('wave 2: second');
    expect(result.stdout).toContain(`review and edit ${planPath}, then \`gaffer run`);
    // Nothing ran: no state database, no gaffer branches.
    expect(fs.existsSync(sandbox().databasePath)).toBe(false);
    expect(git(sandbox().repo, 'branch', '--list', 'gaffer/*').trim()).toBe('');
  });

  it('refuses to overwrite an existing plan file without --force, before asking the planner', async () => {
    usePlanner('good');
    const out = path.join(sandbox().root, 'mine.json');
    fs.writeFileSync(out, '{"units": "hand-written"}\n');

    const refused = await runCli(
      ['plan', '--config', sandbox().configPath, '--objective', 'Write two files', '--out', out],
      { cwd: sandbox().root },
    );

    expectRefusal(refused, ExitCode.usage, ['already exists', '--force', '--out']);
    expect(fs.readFileSync(out, 'utf8')).toBe('{"units": "hand-written"}\n');
    expect(fs.existsSync(path.join(sandbox().root, 'planner-state'))).toBe(false);

    const forced = await runCli(
      ['plan', '--config', sandbox().configPath, '--objective', 'Write two files', '--out', out, '--force'],
      { cwd: sandbox().root },
    );
    expect(forced.exitCode, forced.stderr).toBe(ExitCode.ok);
    expect(loadPlan(out).units).toHaveLength(2);
  });

  it('stops with exit 4 and the cycle after two cyclic answers, writing nothing', async () => {
    const planPath = usePlanner('cycle');

    const result = await runCli(['plan', '--config', sandbox().configPath, '--objective', 'Loop'], {
      cwd: sandbox().root,
    });

    expectRefusal(result, ExitCode.plan, ['unusable twice', 'dependency cycle: alpha -> beta -> alpha']);
    expect(fs.existsSync(planPath)).toBe(false);
  });

  it('gaffer run --objective writes the plan and runs nothing without --yes', async () => {
    const planPath = usePlanner('good');

    const result = await runGaffer(sandbox(), '--objective', 'Write two files');

    expect(result.exitCode, result.stderr).toBe(ExitCode.ok);
    expect(result.stdout).toContain('review and edit');
    expect(loadPlan(planPath).units).toHaveLength(2);
    expect(fs.existsSync(sandbox().databasePath)).toBe(false);
    expect(fs.existsSync(path.join(sandbox().repo, 'first.txt'))).toBe(false);
  });

  it('gaffer run --objective --yes plans and runs the mission to completion', async () => {
    const planPath = usePlanner('good');

    const result = await runGaffer(sandbox(), '--objective', 'Write two files', '--yes');

    expectCompletedRun(result, sandbox());
    expect(loadPlan(planPath).units).toHaveLength(2);
    const working = git(sandbox().repo, 'show', 'gaffer/working:second.txt');
    expect(working.trim()).toBe('second');
    expect(git(sandbox().repo, 'show', 'gaffer/working:first.txt').trim()).toBe('first');
  });
});
