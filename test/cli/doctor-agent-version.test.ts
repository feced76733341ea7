import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { useSandbox } from '../helpers/cli.js';
import {
  agentLines,
  callsLogged,
  doctorWith,
  FAKE_AIDER,
  FAKE_CLAUDE,
  FAKE_CODEX,
  useAgentHome,
} from './doctor-fixture.js';

describe('gaffer doctor: agent versions, and Aider', () => {
  const sandbox = useSandbox();
  const home = useAgentHome();

  it('a Codex version gaffer was not tested with: a warning naming the tested ones, exit 0', async () => {
    sandbox().writeConfig({
      agent: {
        kind: 'codex',
        command: FAKE_CODEX,
        passEnv: ['CODEX_API_KEY'],
        env: { FAKE_CODEX_DOCTOR_VERSION: '0.99.0' },
      },
    });

    const result = await doctorWith(sandbox(), home(), { CODEX_API_KEY: 'sk-x' });

    expect(result.exitCode, result.stderr).toBe(ExitCode.ok);
    expect(agentLines(result)).toEqual([
      `ok  agent codex: ${FAKE_CODEX} found`,
      `warn agent codex: ${FAKE_CODEX} version 0.99.0 is not one gaffer was tested with (tested: 0.171.0); if its attempts fail on a flag or an event gaffer does not know, install a tested version`,
      'ok  agent codex: CODEX_API_KEY is in its environment',
    ]);
  });

  it('a newer Claude Code: a warning, and auth status is still asked', async () => {
    const log = path.join(home(), 'calls.log');
    sandbox().writeConfig({
      agent: {
        kind: 'claude',
        command: FAKE_CLAUDE,
        env: { FAKE_CLAUDE_DOCTOR_VERSION: '2.3.0', FAKE_CLAUDE_DOCTOR_LOG: log },
      },
    });

    const result = await doctorWith(sandbox(), home(), { ANTHROPIC_API_KEY: 'sk-ant-x' });

    expect(result.exitCode, result.stderr).toBe(ExitCode.ok);
    expect(agentLines(result)).toEqual([
      `ok  agent claude: ${FAKE_CLAUDE} found`,
      `warn agent claude: ${FAKE_CLAUDE} version 2.3.0 is not one gaffer was tested with (tested: 2.1.197); if its attempts fail on a flag or an event gaffer does not know, install a tested version`,
      'ok  agent claude: logged in (api_key from ANTHROPIC_API_KEY)',
    ]);
    expect(callsLogged(log)).toContainEqual(['auth', 'status']);
  });

  it('an older Claude Code is not asked `auth status` (it would take it for a prompt): the key is looked for instead', async () => {
    const log = path.join(home(), 'calls.log');
    sandbox().writeConfig({
      agent: {
        kind: 'claude',
        command: FAKE_CLAUDE,
        env: { FAKE_CLAUDE_DOCTOR_VERSION: '1.0.30', FAKE_CLAUDE_DOCTOR_LOG: log },
      },
    });

    const withKey = await doctorWith(sandbox(), home(), { ANTHROPIC_API_KEY: 'sk-ant-x' });
    const without = await doctorWith(sandbox(), home());

    expect(callsLogged(log)).toEqual([['--version'], ['--version']]);
    expect(withKey.exitCode, withKey.stderr).toBe(ExitCode.ok);
    expect(agentLines(withKey)).toContainEqual(
      expect.stringMatching(/^ok {2}agent claude: ANTHROPIC_API_KEY is in its environment \(/),
    );
    // No way to tell: a warning, never a FAIL that would call a working setup broken.
    expect(without.exitCode, without.stderr).toBe(ExitCode.ok);
    expect(agentLines(without)).toContainEqual(
      expect.stringMatching(
        /^warn agent claude: could not tell whether it is logged in .* found no key in its environment nor .*\.claude\/\.credentials\.json/,
      ),
    );
  });

  it('Aider: its version, and a warning when no API key is in its environment', async () => {
    sandbox().writeConfig({ agent: { kind: 'aider', command: FAKE_AIDER } });

    const result = await doctorWith(sandbox(), home());

    expect(result.exitCode, result.stderr).toBe(ExitCode.ok);
    expect(agentLines(result)).toEqual([
      `ok  agent aider: ${FAKE_AIDER} found`,
      `ok  agent aider: ${FAKE_AIDER} 0.86.1`,
      expect.stringMatching(
        /^warn agent aider: no API key in its environment \(OPENAI_API_KEY, ANTHROPIC_API_KEY/,
      ),
    ]);
  });

  it('Aider with a key passed: ok, naming the variable and not its value', async () => {
    sandbox().writeConfig({ agent: { kind: 'aider', command: FAKE_AIDER } });

    const result = await doctorWith(sandbox(), home(), {
      OPENROUTER_API_KEY: 'sk-or-v1-doctortest0123456789',
    });

    expect(result.exitCode, result.stderr).toBe(ExitCode.ok);
    expect(agentLines(result)).toContain('ok  agent aider: API key in its environment (OPENROUTER_API_KEY)');
    expect(result.stdout).not.toContain('doctortest');
  });
});
