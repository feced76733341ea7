import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { Store } from '../../src/store/store.js';
import { expectCompletedRun, expectRefusal, runCli, runGaffer, useSandbox } from '../helpers/cli.js';

describe('gaffer status --run for a run that does not exist', () => {
  const sandbox = useSandbox();

  it('exits 2 naming the runs that exist, and still shows a run that does', async () => {
    expectCompletedRun(await runGaffer(sandbox()), sandbox());
    const status = (run: string, ...extra: string[]) =>
      runCli(['status', '--config', sandbox().configPath, '--run', run, ...extra], { cwd: sandbox().root });

    const missing = await status('7');
    expectRefusal(missing, ExitCode.usage, [
      'there is no run #7',
      sandbox().stateDir,
      '(runs: #1)',
      'pass one of them to --run',
    ]);
    expect(missing.stdout).toBe('');

    const missingJson = await status('7', '--json');
    expectRefusal(missingJson, ExitCode.usage, ['there is no run #7', '(runs: #1)']);
    expect(missingJson.stdout).toBe('');

    const first = await status('1');
    expect(first.exitCode, first.stderr).toBe(ExitCode.ok);
    expect(first.stdout).toContain('run #1 of plan "tiny"');
  });

  it('exits 2 for --run on a database with no runs, saying to run first', async () => {
    fs.mkdirSync(sandbox().stateDir);
    Store.open(sandbox().databasePath).close();

    const result = await runCli(['status', '--config', sandbox().configPath, '--run', '1'], {
      cwd: sandbox().root,
    });

    expectRefusal(result, ExitCode.usage, ['there is no run #1', 'no runs are recorded', 'gaffer run']);
  });

  it('without --run, a database with no runs is still reported as empty, exit 0', async () => {
    fs.mkdirSync(sandbox().stateDir);
    Store.open(sandbox().databasePath).close();

    const result = await runCli(['status', '--config', sandbox().configPath], { cwd: sandbox().root });

    expect(result.exitCode, result.stderr).toBe(ExitCode.ok);
    expect(result.stdout).toBe(`no runs recorded in ${sandbox().stateDir} yet`);
  });
});
