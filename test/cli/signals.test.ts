import { afterEach, expect, it } from 'vitest';
import { makeSandbox, removeTempDir, type Sandbox } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import {
  expectNothingLeft,
  killLeftovers,
  orphanPidFile,
  orphanThenHang,
  startGaffer,
  statusJson,
  waitForOrphan,
} from './signal-fixture.js';

let sandbox: Sandbox | undefined;
let orphan: { pid: number; session: string } | undefined;
afterEach(() => {
  killLeftovers(orphan);
  orphan = undefined;
  removeTempDir(sandbox?.root);
});

it('a closed terminal (SIGHUP, twice, pipes gone) stops gaffer gracefully: resumable, nothing left running', async () => {
  sandbox = makeSandbox();
  const pidFile = orphanPidFile(sandbox);
  // The agent ignores SIGTERM, so the stop lasts the whole grace: time for the second SIGHUP to land mid-stop,
  // however long a loaded machine takes the test to see the first one.
  orphanThenHang(sandbox, pidFile, 10_000);
  const gaffer = startGaffer(sandbox);
  orphan = await waitForOrphan(pidFile);

  gaffer.child.kill('SIGHUP');
  await waitFor('gaffer to start stopping', () =>
    gaffer.stderr().includes('SIGHUP: stopping') ? true : undefined,
  );
  // The terminal is gone: every later write fails (EPIPE here, EIO on a tty) and must not crash the stop.
  gaffer.child.stdout.destroy();
  gaffer.child.stderr.destroy();
  // Closing a terminal delivers a second SIGHUP (the shell's, then the kernel's): still the same graceful stop.
  expect(gaffer.child.kill('SIGHUP')).toBe(true);
  const exit = await gaffer.exited;

  expect(exit, gaffer.stderr()).toEqual({ code: 130, signal: null });
  expect(gaffer.stderr()).not.toContain('forced to quit');
  await expectNothingLeft(orphan);
  const status = await statusJson(sandbox);
  expect(status.run.status).toBe('interrupted');
  expect(status.units.map((unit) => [unit.id, unit.status])).toEqual([['stuck', 'pending']]);
});

it('a second Ctrl-C exits 130 at once and leaves no agent and no escaped grandchild running', async () => {
  sandbox = makeSandbox();
  const pidFile = orphanPidFile(sandbox);
  // A grace far longer than the test: only the forced quit can end the hanging agent in time.
  orphanThenHang(sandbox, pidFile, 600_000);
  const gaffer = startGaffer(sandbox);
  orphan = await waitForOrphan(pidFile);

  gaffer.child.kill('SIGINT');
  await waitFor('gaffer to start stopping', () =>
    gaffer.stderr().includes('SIGINT: stopping') ? true : undefined,
  );
  gaffer.child.kill('SIGINT');
  const exit = await gaffer.exited;

  expect(exit, gaffer.stderr()).toEqual({ code: 130, signal: null });
  expect(gaffer.stderr()).toContain('gaffer: forced to quit');
  await expectNothingLeft(orphan);
});
