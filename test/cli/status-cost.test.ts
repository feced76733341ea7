import { afterEach, expect, it } from 'vitest';
import { installFakeClaude, plays } from '../integration/fake-claude.js';
import { makeSandbox, removeTempDir, runCli, runGaffer, type Sandbox } from '../helpers/cli.js';

let sandbox: Sandbox | undefined;
let fake: ReturnType<typeof installFakeClaude> | undefined;
afterEach(() => {
  fake?.restore();
  removeTempDir(sandbox?.root);
});

it('gaffer status shows what Claude Code reported spending, per attempt, per unit and for the run', async () => {
  sandbox = makeSandbox();
  fake = installFakeClaude();
  sandbox.writeConfig({
    agent: { kind: 'claude', env: { FAKE_CLAUDE_STATE: fake.stateDir } },
    rounds: { max: 1 },
  });
  sandbox.writePlan({
    name: 'cost',
    units: [
      { id: 'alpha', title: 'alpha', prompt: plays('success') },
      { id: 'beta', title: 'beta', prompt: plays('success') },
    ],
  });
  const run = await runGaffer(sandbox);
  expect(run.exitCode, run.stderr).toBe(0);

  const text = (await runCli(['status', '--config', sandbox.configPath])).stdout;
  // Each result line said total_cost_usd 0.0123 with 1900 input and 100 output tokens.
  expect(text).toContain('  spent $0.02 4k tok');
  expect(text).toMatch(/ {2}alpha +done +\[\$0\.01 2k tok\]/);
  expect(text).toMatch(/#1 \(round 1\) handed-off \[\$0\.01 2k tok\]/);
  const json = JSON.parse((await runCli(['status', '--config', sandbox.configPath, '--json'])).stdout) as {
    run: { spend: { costUsd: number; inputTokens: number; outputTokens: number } };
    units: { id: string; spend: { costUsd: number } }[];
  };
  expect(json.run.spend.costUsd).toBeCloseTo(0.0246, 10);
  expect(json.run.spend).toMatchObject({ inputTokens: 3800, outputTokens: 200 });
  expect(json.units.map((unit) => [unit.id, unit.spend.costUsd])).toEqual([
    ['alpha', 0.0123],
    ['beta', 0.0123],
  ]);
});
