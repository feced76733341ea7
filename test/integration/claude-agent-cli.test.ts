import { expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { expectRefusal, runGaffer, useSandbox } from '../helpers/cli.js';
import { FAKE_CLAUDE, plays } from './fake-claude.js';

const sandbox = useSandbox();

it('gaffer run exits 15 when Claude Code is not logged in, quoting it and saying how to log in', async () => {
  sandbox().writeConfig({ agent: { kind: 'claude', command: FAKE_CLAUDE }, concurrency: 1 });
  sandbox().writePlan({
    name: 'logged out',
    units: ['one', 'two'].map((id) => ({ id, title: id, prompt: plays('not-logged-in') })),
  });

  const result = await runGaffer(sandbox());

  const output = `${result.stdout}\n${result.stderr}`;
  expect(result.exitCode, output).toBe(ExitCode.agentAuth);
  expect(output).toContain('Not logged in · Please run /login');
  expect(output).toContain('Log the agent in');
  expect(output, 'a stack trace').not.toMatch(/^\s{4}at /m);
});

it('gaffer run refuses (exit 8) before any attempt when the claude binary is missing, naming it and the fix', async () => {
  sandbox().writeConfig({ agent: { kind: 'claude', command: 'no-such-claude-xyz' } });

  const result = await runGaffer(sandbox());

  expectRefusal(result, ExitCode.agentNotFound, ['claude agent', '"no-such-claude-xyz"', 'agent.command']);
});
