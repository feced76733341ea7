import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { expectRefusal, runCli, runGaffer, useSandbox } from '../helpers/cli.js';

// Reading these would hang (a FIFO waits for a writer, /dev/zero never ends):
// a refusal must come at once. The bound only stops a hung process; the
// refusal itself takes a few hundred milliseconds (seconds on a loaded machine).
const HANG_LIMIT_MS = 60_000;

describe('gaffer run: a config or plan path that is not a regular file', () => {
  const sandbox = useSandbox({ untouched: true });
  let server: net.Server | undefined;
  afterEach(async () => {
    const open = server;
    server = undefined;
    if (open) await new Promise<void>((resolve) => open.close(() => resolve()));
  });

  /** Replaces `file` by a named pipe nobody writes to. */
  function fifoAt(file: string): void {
    fs.rmSync(file, { force: true });
    execFileSync('mkfifo', [file]);
  }

  it('exits 3 at once when the config is a FIFO, naming it and saying to pass the file', async () => {
    fifoAt(sandbox().configPath);

    const result = await runCli(['run', '--config', sandbox().configPath, '--headless'], {
      cwd: sandbox().root,
      timeoutMs: HANG_LIMIT_MS,
    });

    expectRefusal(result, ExitCode.config, [
      `config path ${sandbox().configPath} is a named pipe (FIFO)`,
      'not a regular file',
      '--config <file>',
    ]);
  });

  it('exits 4 at once when the plan is a FIFO', async () => {
    fifoAt(sandbox().planPath);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.plan, [
      `plan path ${sandbox().planPath} is a named pipe (FIFO)`,
      '--plan',
    ]);
    expect(fs.statSync(sandbox().planPath).isFIFO()).toBe(true);
  });

  it('exits 4 at once when --plan is /dev/zero, a device that never ends', async () => {
    const result = await runCli(
      ['run', '--config', sandbox().configPath, '--plan', '/dev/zero', '--headless'],
      { cwd: sandbox().root, timeoutMs: HANG_LIMIT_MS },
    );

    expectRefusal(result, ExitCode.plan, ['plan path /dev/zero is a character device', 'not a regular file']);
  });

  it('exits 3 when --config is /dev/zero', async () => {
    const result = await runCli(['run', '--config', '/dev/zero', '--headless'], {
      cwd: sandbox().root,
      timeoutMs: HANG_LIMIT_MS,
    });

    expectRefusal(result, ExitCode.config, ['config path /dev/zero is a character device']);
  });

  it('exits 3 when the config is a socket', async () => {
    const socketPath = path.join(sandbox().root, 'gaffer.sock');
    const listening = net.createServer();
    server = listening;
    await new Promise<void>((resolve) => listening.listen(socketPath, resolve));

    const result = await runCli(['run', '--config', socketPath, '--headless'], {
      cwd: sandbox().root,
      timeoutMs: HANG_LIMIT_MS,
    });

    expectRefusal(result, ExitCode.config, [`config path ${socketPath} is a socket`, 'not a regular file']);
  });

  it('exits 4 when the plan is a folder', async () => {
    fs.rmSync(sandbox().planPath);
    fs.mkdirSync(sandbox().planPath);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.plan, [`plan path ${sandbox().planPath} is a folder`]);
  });
});
