import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { CLI_PATH, makeTempDir, removeTempDir, runCli, runGaffer, useSandbox } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

describe('gaffer run when its state database goes away', () => {
  const sandbox = useSandbox();

  it('stops at once with exit 11 when state.db is deleted mid-run, and never says completed', async () => {
    sandbox().writePlan({
      name: 'slow',
      // Sleeps past any deadline of this test: the run can only end by noticing the deletion.
      units: [{ id: 'slow', title: 'slow', prompt: '@sleep 3600000\n@write a.txt a\n@commit a' }],
    });
    const run = execa(process.execPath, [CLI_PATH, 'run', '--config', sandbox().configPath, '--headless'], {
      cwd: sandbox().root,
      reject: false,
      env: { NO_COLOR: '1' },
    });
    let stdout = '';
    run.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitFor(
      'the attempt to start',
      () => (stdout.includes('attempt slow#1') ? true : undefined),
      60_000,
    );
    fs.rmSync(sandbox().databasePath);
    const result = await run;
    expect(result.exitCode, result.stderr).toBe(ExitCode.state);
    expect(result.stderr).toContain(
      `the state database ${sandbox().databasePath} was deleted while gaffer ran`,
    );
    expect(result.stderr).not.toMatch(/internal error|^\s{4}at /m);
    expect(stdout).not.toContain('completed');
  });

  it('exits 9 at the start when a check its parser cannot read could never verify anything', async () => {
    sandbox().writeConfig({
      checks: [{ name: 'tests', command: ['echo', 'everything is fine'], parser: 'pytest' }],
    });
    const result = await runGaffer(sandbox());
    expect(result.exitCode, result.stdout + result.stderr).toBe(ExitCode.checkNotFound);
    expect(result.stderr).toContain(
      'the output of check "tests" (the pytest parser did not recognize the output',
    );
    expect(result.stderr).toContain('nothing could ever be verified');
    expect(result.stdout).not.toContain('pending -> running');
  });
});

describe('gaffer run on a full disk', () => {
  const sandbox = useSandbox();
  let mount = '';

  beforeAll(() => {
    // A real filesystem that fills up: a 4 MB tmpfs holding the state folder.
    mount = makeTempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount]);
  });
  afterAll(() => {
    execFileSync('umount', ['-l', mount]);
    removeTempDir(mount);
  });

  it('exits 11 naming the full disk and the fix, then resumes once there is room again', async () => {
    const stateDir = path.join(mount, 'state');
    const filler = path.join(mount, 'filler');
    const once = path.join(sandbox().root, 'filled-once');
    // The agent fills the disk during its first attempt, as a runaway build would.
    const script = path.join(sandbox().root, 'filler.sh');
    fs.writeFileSync(
      script,
      [
        '#!/usr/bin/env bash',
        'cat >/dev/null',
        `if [ ! -e '${once}' ]; then touch '${once}'; head -c 64M /dev/zero > '${filler}' 2>/dev/null; fi`,
        'echo done > done.txt && git add -A && git commit -qm done',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    sandbox().writeConfig({ stateDir, agent: { kind: 'command', command: 'bash', args: [script] } });
    sandbox().writePlan({ name: 'full', units: [{ id: 'fill', title: 'fills the disk', prompt: 'go' }] });

    const full = await runGaffer(sandbox());
    expect(full.exitCode, full.stdout + full.stderr).toBe(ExitCode.state);
    expect(full.stderr).toContain(`the disk holding ${stateDir} is full`);
    expect(full.stderr).toContain('free some space, then run `gaffer run` again');
    expect(full.stderr).not.toMatch(/internal error|SqliteError|^\s{4}at /m);
    expect(full.stdout).not.toContain('completed');

    fs.rmSync(filler);
    const again = await runGaffer(sandbox());
    expect(again.exitCode, again.stdout + again.stderr).toBe(ExitCode.ok);
    expect(again.stdout).toContain('resumed');
    const status = await runCli(['status', '--config', sandbox().configPath, '--json'], {
      cwd: sandbox().root,
    });
    const report = JSON.parse(status.stdout) as {
      run: { id: number; status: string };
      units: { status: string }[];
    };
    expect(report.run).toMatchObject({ id: 1, status: 'completed' });
    expect(report.units.map((unit) => unit.status)).toEqual(['done']);
  });
});

describe('an attempt that cannot be carried out', () => {
  const sandbox = useSandbox();

  it('is recorded as a failed attempt with its cause, costs no strike, and the run ends unfinished naming the unit', async () => {
    sandbox().writeConfig({ rounds: { max: 2 } });
    // The prompt file cannot be written: its folder is a file.
    fs.mkdirSync(path.join(sandbox().stateDir, 'prompts'), { recursive: true });
    fs.writeFileSync(path.join(sandbox().stateDir, 'prompts', 'run-1'), 'in the way');
    const result = await runGaffer(sandbox());
    expect(result.exitCode, result.stdout + result.stderr).toBe(ExitCode.unitsUnfinished);
    expect(result.stdout).toMatch(/attempt hello#1 +error after .*could not be carried out: .*run-1/);
    expect(result.stdout).toContain('(no strike)');
    expect(result.stdout).toContain(
      'unfinished: out of rounds (2) with 1 unit(s) unfinished: hello (pending)',
    );
    const status = await runCli(['status', '--config', sandbox().configPath, '--json'], {
      cwd: sandbox().root,
    });
    const report = JSON.parse(status.stdout) as {
      units: { status: string; strikes: number; attempts: unknown[] }[];
    };
    expect(report.units[0]).toMatchObject({ status: 'pending', strikes: 0 });
    expect(report.units[0]?.attempts).toHaveLength(2);
  });
});
