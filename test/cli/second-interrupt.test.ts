import { afterEach, expect, it } from 'vitest';
import { makeSandbox, removeTempDir, type Sandbox } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import {
  expectNothingLeft,
  killLeftovers,
  orphanPidFile,
  orphanThenHang,
  startGaffer,
  waitForOrphan,
} from './signal-fixture.js';

let sandbox: Sandbox | undefined;
let orphan: { pid: number; session: string } | undefined;
afterEach(() => {
  killLeftovers(orphan);
  orphan = undefined;
  removeTempDir(sandbox?.root);
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
