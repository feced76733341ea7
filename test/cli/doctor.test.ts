import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import {
  branchList,
  expectRefusal,
  expectUntouched,
  git,
  runCli,
  runGaffer,
  tinyPlan,
  useSandbox,
  type Sandbox,
} from '../helpers/cli.js';

/** `gaffer doctor --config <sandbox config> ...extra`, from the sandbox folder. */
function doctor(sandbox: Sandbox, ...extra: string[]) {
  return runCli(['doctor', '--config', sandbox.configPath, ...extra], { cwd: sandbox.root });
}

describe('gaffer doctor', () => {
  const sandbox = useSandbox();

  it('prints an ok line per check on a good setup, exits 0 and writes nothing', async () => {
    sandbox().writeConfig({ checks: [{ name: 'tests', command: [process.execPath, '--version'] }] });
    const before = branchList(sandbox().repo);

    const result = await doctor(sandbox());

    expect(result.exitCode, result.stderr).toBe(ExitCode.ok);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trim().split('\n');
    expect(lines.every((line) => line.startsWith('ok  '))).toBe(true);
    expect(lines).toEqual([
      `ok  git repository at ${sandbox().repo}`,
      expect.stringMatching(/^ok {2}base branch main at [0-9a-f]{10}$/),
      'ok  no uncommitted changes',
      'ok  git identity Gaffer Test <test@gaffer.invalid>',
      `ok  agent scripted: ${process.execPath} found`,
      `ok  check tests: ${process.execPath} found`,
      `ok  plan "tiny": 1 units, no cycles`,
    ]);
    expectUntouched(sandbox().repo, before);
  });

  // Each bad setup: how to make it, the exit code, and a word of the message.
  const badSetups: { name: string; code: number; word: string; arrange: (sandbox: Sandbox) => void }[] = [
    {
      name: 'not a git repository',
      code: ExitCode.notGitRepo,
      word: 'not a git repository',
      arrange: (s) => {
        fs.mkdirSync(path.join(s.root, 'plain'));
        s.writeConfig({ repo: 'plain' });
      },
    },
    {
      name: 'base branch missing',
      code: ExitCode.branchMissing,
      word: 'branches.base',
      arrange: (s) => s.writeConfig({ branches: { base: 'trunk' } }),
    },
    {
      name: 'uncommitted changes',
      code: ExitCode.dirtyTree,
      word: 'commit or stash',
      arrange: (s) => fs.appendFileSync(path.join(s.repo, 'README.md'), 'edit\n'),
    },
    {
      name: 'bad config',
      code: ExitCode.config,
      word: 'concurrency',
      arrange: (s) => s.writeConfig({ concurrency: 'two' }),
    },
    {
      name: 'plan with a cycle',
      code: ExitCode.plan,
      word: 'dependency cycle',
      arrange: (s) =>
        s.writePlan({
          units: [
            { id: 'a', title: 'a', prompt: 'a', depends_on: ['b'] },
            { id: 'b', title: 'b', prompt: 'b', depends_on: ['a'] },
          ],
        }),
    },
    {
      name: 'agent not found',
      code: ExitCode.agentNotFound,
      word: 'no-such-agent-xyz',
      arrange: (s) => s.writeConfig({ agent: { kind: 'command', command: 'no-such-agent-xyz' } }),
    },
    {
      name: 'check not found',
      code: ExitCode.checkNotFound,
      word: 'no-such-check-xyz',
      arrange: (s) => s.writeConfig({ checks: [{ name: 'tests', command: ['no-such-check-xyz'] }] }),
    },
    {
      name: 'working branch checked out',
      code: ExitCode.branchMissing,
      word: 'git switch main',
      arrange: (s) => git(s.repo, 'switch', '--quiet', '-c', 'gaffer/working'),
    },
  ];

  it.each(badSetups)(
    'exits with the same code as run on a bad setup: $name',
    async ({ code, word, arrange }) => {
      arrange(sandbox());
      const before = branchList(sandbox().repo);

      const [fromDoctor, fromRun] = await Promise.all([doctor(sandbox()), runGaffer(sandbox())]);

      expectRefusal(fromDoctor, code, [word]);
      expectRefusal(fromRun, code, [word]);
      expect(fromDoctor.stderr).toBe(fromRun.stderr);
      expectUntouched(sandbox().repo, before);
    },
  );

  it('checks the plan given with --plan too', async () => {
    const plan = tinyPlan();
    const planPath = path.join(sandbox().root, 'other-plan.json');
    fs.writeFileSync(
      planPath,
      JSON.stringify({ ...plan, units: [{ ...plan.units[0], depends_on: ['ghost'] }] }),
    );

    const result = await doctor(sandbox(), '--plan', planPath);

    expectRefusal(result, ExitCode.plan, ['depends on ghost']);
  });
});
