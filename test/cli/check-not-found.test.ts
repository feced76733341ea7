import { describe, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { expectRefusal, runGaffer, tinyPlan, useSandbox, type Sandbox } from '../helpers/cli.js';

describe('gaffer run: a check command is not found', () => {
  const sandbox = useSandbox({ untouched: true });

  // Each case: how the missing check gets into the config or plan, and what stderr must say.
  const cases: { name: string; arrange: (sandbox: Sandbox) => void; mentions: string[] }[] = [
    {
      name: 'exits 9 naming the check, its program and the fix',
      arrange: (s) => s.writeConfig({ checks: [{ name: 'tests', command: ['no-such-check-xyz'] }] }),
      mentions: ['check "tests"', '"no-such-check-xyz"', 'not found', 'install it or fix checks[].command'],
    },
    {
      name: 'exits 9 for a relative path that is not in the repository',
      arrange: (s) =>
        s.writeConfig({
          checks: [
            { name: 'lint', command: [process.execPath, '--version'] },
            { name: 'e2e', command: ['./scripts/e2e.sh'] },
          ],
        }),
      mentions: ['check "e2e"', '"./scripts/e2e.sh"', 'nor in the repository'],
    },
    {
      name: 'exits 9 for a check a unit declares in the plan',
      arrange: (s) => {
        const plan = tinyPlan();
        s.writePlan({
          ...plan,
          units: [{ ...plan.units[0], checks: [{ name: 'unit-tests', command: ['no-such-check-xyz'] }] }],
        });
      },
      mentions: ['check "unit-tests"', '"no-such-check-xyz"'],
    },
  ];

  for (const { name, arrange, mentions } of cases) {
    it(name, async () => {
      arrange(sandbox());

      const result = await runGaffer(sandbox());

      expectRefusal(result, ExitCode.checkNotFound, mentions);
    });
  }
});
