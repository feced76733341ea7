import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import {
  branchList,
  deadPid,
  expectCompletedRun,
  expectRefusal,
  expectUntouched,
  runGaffer,
  useSandbox,
} from '../helpers/cli.js';

describe('gaffer run: another supervisor owns the state folder', () => {
  const sandbox = useSandbox();
  let lockFile: string;
  beforeEach(() => {
    lockFile = path.join(sandbox().stateDir, 'supervisor.lock');
    fs.mkdirSync(sandbox().stateDir, { recursive: true });
  });

  it('exits 12 when the lock holds a live pid, saying another gaffer is running, and leaves its lock alone', async () => {
    fs.writeFileSync(lockFile, `${process.pid}\n`);
    const before = branchList(sandbox().repo);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.busy, [
      `another gaffer (pid ${process.pid})`,
      sandbox().stateDir,
      'wait for it to finish or stop it',
    ]);
    expect(fs.readFileSync(lockFile, 'utf8')).toBe(`${process.pid}\n`);
    expectUntouched(sandbox().repo, before, { stateDirMayExist: true });
    expect(fs.readdirSync(sandbox().stateDir)).toEqual(['supervisor.lock']);
  });

  it('takes over a lock whose owner is dead and runs to completion', async () => {
    const pid = await deadPid();
    fs.writeFileSync(lockFile, `${pid}\n`);

    const result = await runGaffer(sandbox());

    expectCompletedRun(result, sandbox());
    // Released at the end of the run.
    expect(fs.existsSync(lockFile)).toBe(false);
    expect(branchList(sandbox().repo)).toEqual(expect.arrayContaining(['gaffer/green', 'gaffer/working']));
  });
});
