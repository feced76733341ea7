import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { Store } from '../../src/store/store.js';
import { expectCompletedRun, expectRefusal, git, runCli, runGaffer, useSandbox } from '../helpers/cli.js';
import { FAKE_PLANNER } from '../planning/planning-fixture.js';

/**
 * `gaffer discover` on a finished run: the discovery agent's proposals are
 * de-duplicated against the plan, listed, decided by the operator, and an
 * accepted one runs when the run resumes.
 */
describe('gaffer discover', () => {
  const sandbox = useSandbox();

  function plan(): void {
    sandbox().writePlan({
      name: 'audited',
      objective: 'Two files and their docs',
      units: [
        {
          id: 'first',
          title: 'Write first.txt',
          prompt: '@write first.txt one\n@commit first\n@handoff done first',
        },
      ],
    });
  }

  function config(scenario: string): void {
    sandbox().writeConfig({
      discovery: {
        mode: 'confirm',
        agent: {
          kind: 'command',
          command: process.execPath,
          args: [FAKE_PLANNER],
          env: { FAKE_PLANNER: scenario },
        },
      },
    });
  }

  function proposalRows() {
    const store = Store.open(sandbox().databasePath, { readonly: true });
    try {
      return store.proposals.all(1);
    } finally {
      store.close();
    }
  }

  function discover(...extra: string[]) {
    return runCli(['discover', '--config', sandbox().configPath, ...extra], { cwd: sandbox().root });
  }

  it('lists the new proposal, records the one that repeats a plan unit as a duplicate, and an accepted one runs on resume', async () => {
    plan();
    config('audit');
    expectCompletedRun(await runGaffer(sandbox()), sandbox());

    // The plan ran dry at the end of the run: the discovery agent was asked then.
    const afterRun = proposalRows();
    expect(afterRun.map((row) => [row.title, row.status])).toEqual([
      ['Write the docs', 'proposed'],
      ['Write first.txt', 'duplicate'],
    ]);
    expect(afterRun[1]?.reason).toMatch(/first/);
    const id = afterRun[0]?.id ?? 0;

    // Asked again, the agent repeats itself: both are duplicates now, and one proposal still waits.
    const listed = await discover();
    expect(listed.exitCode, listed.stderr).toBe(ExitCode.ok);
    expect(listed.stdout).toMatch(/1 proposal\(s\) wait for a decision/);
    expect(listed.stdout).toContain(`#${id} disc-write-the-docs: Write the docs (from discovery agent`);
    expect(proposalRows().map((row) => row.status)).toEqual([
      'proposed',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);

    const accepted = await discover('--accept', String(id));
    expect(accepted.exitCode, accepted.stderr).toBe(ExitCode.ok);
    expect(accepted.stdout).toMatch(/disc-write-the-docs joined the plan/);
    // Decided once: a second answer is refused with what it already is.
    expectRefusal(await discover('--reject', String(id)), ExitCode.usage, [/already accepted/]);

    const resumed = await runGaffer(sandbox());
    expectCompletedRun(resumed, sandbox());
    expect(git(sandbox().repo, 'show', 'gaffer/working:docs.txt').trim()).toBe('docs');
  });

  it('refuses a proposal number that is not one, and says so when discovery is off', async () => {
    plan();
    config('audit');
    expectCompletedRun(await runGaffer(sandbox()), sandbox());
    expectRefusal(await discover('--accept', 'seven'), ExitCode.usage, ['--accept takes a proposal number']);
    expectRefusal(await discover('--accept', '99'), ExitCode.usage, ['there is no proposal #99']);
    sandbox().writeConfig({ discovery: { mode: 'off' } });
    expectRefusal(await discover(), ExitCode.usage, ['discovery is off', '"confirm" or "auto"']);
  });
});
