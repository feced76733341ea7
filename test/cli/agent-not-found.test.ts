import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { expectRefusal, runGaffer, tinyPlan, useSandbox } from '../helpers/cli.js';

describe('gaffer run: the agent command is not on PATH', () => {
  const sandbox = useSandbox({ untouched: true });

  it('exits 8 naming the command and how to fix it', async () => {
    sandbox().writeConfig({ agent: { kind: 'command', command: 'no-such-agent-xyz' } });

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.agentNotFound, [
      '"no-such-agent-xyz"',
      'not on PATH',
      'install it',
      'agent.command',
    ]);
    expect(result.stdout).toBe('');
  });

  it('checks a unit’s own agent before any other unit’s agent is spawned', async () => {
    // The config's scripted agent would run "first" and write first.txt if
    // gaffer started anything before checking every agent.
    const plan = tinyPlan();
    plan.units[0]!.prompt = '@write first.txt spawned\n@commit first';
    sandbox().writePlan({
      name: 'mixed',
      units: [
        ...plan.units,
        {
          id: 'second',
          title: 'A unit with its own agent',
          prompt: 'anything',
          agent: { kind: 'command', command: 'no-such-agent-xyz' },
        },
      ],
    });

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.agentNotFound, ['"no-such-agent-xyz"', 'not on PATH']);
    expect(fs.existsSync(path.join(sandbox().repo, 'first.txt'))).toBe(false);
  });

  it('exits 8 for a known agent kind whose binary is missing, naming the kind', async () => {
    sandbox().writeConfig({ agent: { kind: 'aider', command: 'no-such-aider-xyz' } });

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.agentNotFound, ['aider agent', '"no-such-aider-xyz"', 'agent.command']);
  });
});
