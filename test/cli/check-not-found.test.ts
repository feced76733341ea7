import { afterEach, beforeEach, describe, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import {
  branchList,
  expectRefusal,
  expectUntouched,
  makeSandbox,
  removeTempDir,
  runGaffer,
  tinyPlan,
  type Sandbox,
} from '../helpers/cli.js';

describe('gaffer run: a check command is not found', () => {
  let sandbox: Sandbox;
  let before: string[];
  beforeEach(() => {
    sandbox = makeSandbox();
    before = branchList(sandbox.repo);
  });
  afterEach(() => {
    try {
      expectUntouched(sandbox.repo, before);
    } finally {
      removeTempDir(sandbox.root);
    }
  });

  it('exits 9 naming the check, its program and the fix', async () => {
    sandbox.writeConfig({ checks: [{ name: 'tests', command: ['no-such-check-xyz'] }] });

    const result = await runGaffer(sandbox);

    expectRefusal(result, ExitCode.checkNotFound, [
      'check "tests"',
      '"no-such-check-xyz"',
      'not found',
      'install it or fix checks[].command',
    ]);
  });

  it('exits 9 for a relative path that is not in the repository', async () => {
    sandbox.writeConfig({
      checks: [
        { name: 'lint', command: [process.execPath, '--version'] },
        { name: 'e2e', command: ['./scripts/e2e.sh'] },
      ],
    });

    const result = await runGaffer(sandbox);

    expectRefusal(result, ExitCode.checkNotFound, [
      'check "e2e"',
      '"./scripts/e2e.sh"',
      'nor in the repository',
    ]);
  });

  it('exits 9 for a check a unit declares in the plan', async () => {
    const plan = tinyPlan();
    sandbox.writePlan({
      ...plan,
      units: [{ ...plan.units[0], checks: [{ name: 'unit-tests', command: ['no-such-check-xyz'] }] }],
    });

    const result = await runGaffer(sandbox);

    expectRefusal(result, ExitCode.checkNotFound, ['check "unit-tests"', '"no-such-check-xyz"']);
  });
});
