import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { expectRefusal, runCli, runGaffer, useSandbox } from '../helpers/cli.js';

describe('usage errors', () => {
  const sandbox = useSandbox({ untouched: true });

  it('exits 2 on an unknown command, listing the commands there are', async () => {
    const result = await runCli(['frobnicate', '--config', sandbox().configPath], { cwd: sandbox().root });

    expectRefusal(result, ExitCode.usage, [
      'unknown command "frobnicate"',
      'demo, run, plan, discover, status, replay, retry, prompt, clean, doctor or init',
    ]);
    expect(result.stdout).toBe('');
  });

  it('exits 2 on an unknown flag, naming it and pointing at --help, before reading any file', async () => {
    const result = await runGaffer(sandbox(), '--bogus');

    const stderr = expectRefusal(result, ExitCode.usage, ['--bogus', 'gaffer --help']);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    // Node's advice about positionals starting with "-" does not apply to a mistyped flag.
    expect(stderr).not.toContain('positional');
  });

  it('exits 2 when a flag that takes a value has none', async () => {
    const result = await runCli(['run', '--config'], { cwd: sandbox().root });

    expectRefusal(result, ExitCode.usage, ['--config', 'argument missing', 'gaffer --help']);
  });

  it('exits 2 on an unexpected extra argument', async () => {
    const result = await runCli(['run', 'now', '--config', sandbox().configPath], { cwd: sandbox().root });

    expectRefusal(result, ExitCode.usage, ['unexpected argument "now"', 'gaffer --help']);
  });

  it('exits 2 with the help on stdout when no command is given', async () => {
    const result = await runCli([], { cwd: sandbox().root });

    expect(result.exitCode).toBe(ExitCode.usage);
    expect(result.stdout).toContain('usage:');
    expect(result.stdout).toContain('exit codes:');
  });

  it('exits 0 with the help for --help', async () => {
    const result = await runCli(['--help'], { cwd: sandbox().root });

    expect(result.exitCode).toBe(ExitCode.ok);
    expect(result.stdout).toContain('gaffer run --config <file>');
    expect(result.stdout).toContain(
      'gaffer replay [--config <file> | --state <folder>] [--run <id>] [--speed <x>]',
    );
    expect(result.stderr).toBe('');
  });

  it('exits 2 when neither the config nor --plan names a plan', async () => {
    sandbox().writeConfig({ plan: undefined });

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.usage, ['no plan', 'set "plan" in the config', '--plan <file>']);
  });
});
