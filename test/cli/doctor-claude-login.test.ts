import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { expectRefusal, useSandbox } from '../helpers/cli.js';
import { agentLines, callsLogged, doctorWith, FAKE_CLAUDE, useAgentHome } from './doctor-fixture.js';

const KEY = 'sk-ant-api03-doctortestkey0123456789abcdefghij';

describe('gaffer doctor: is Claude Code logged in', () => {
  const sandbox = useSandbox();
  const home = useAgentHome();
  const claude = (extra: Record<string, unknown> = {}) =>
    sandbox().writeConfig({ agent: { kind: 'claude', command: FAKE_CLAUDE, ...extra } });

  it('not logged in (no key, an empty home): a FAIL line with the fix, exit 15', async () => {
    claude();

    const result = await doctorWith(sandbox(), home());

    expect(agentLines(result)).toEqual([
      `ok  agent claude: ${FAKE_CLAUDE} found`,
      `ok  agent claude: ${FAKE_CLAUDE} 2.1.197 (tested)`,
      `FAIL agent claude: not logged in: run \`${FAKE_CLAUDE}\` and /login (or \`${FAKE_CLAUDE} auth login\`), or set ANTHROPIC_API_KEY (passed to the agent by passEnv)`,
    ]);
    expectRefusal(result, ExitCode.agentAuth, ['agent claude: not logged in', '/login', 'ANTHROPIC_API_KEY']);
  });

  it('logged in with ANTHROPIC_API_KEY passed to the agent: ok, the key never printed, exit 0', async () => {
    claude();

    const result = await doctorWith(sandbox(), home(), { ANTHROPIC_API_KEY: KEY });

    expect(result.exitCode, result.stderr).toBe(ExitCode.ok);
    expect(result.stderr).toBe('');
    expect(agentLines(result)).toContain('ok  agent claude: logged in (api_key from ANTHROPIC_API_KEY)');
    expect(result.stdout).not.toContain(KEY);
  });

  it('logged in with /login (credentials under ~/.claude): ok', async () => {
    claude();
    fs.mkdirSync(path.join(home(), '.claude'));
    fs.writeFileSync(
      path.join(home(), '.claude', '.credentials.json'),
      JSON.stringify({ claudeAiOauth: { accessToken: 'sk-ant-oat01-x', refreshToken: 'sk-ant-ort01-y' } }),
    );

    const result = await doctorWith(sandbox(), home());

    expect(result.exitCode, result.stderr).toBe(ExitCode.ok);
    expect(agentLines(result)).toContain('ok  agent claude: logged in (claude.ai)');
  });

  it('a key gaffer holds but passEnv does not pass: not logged in, and says to add it to passEnv', async () => {
    claude({ passEnv: ['ANTHROPIC_BASE_URL'] });

    const result = await doctorWith(sandbox(), home(), { ANTHROPIC_API_KEY: KEY });

    expectRefusal(result, ExitCode.agentAuth, [
      'not logged in',
      'set ANTHROPIC_API_KEY and add it to agent.passEnv',
      "ANTHROPIC_API_KEY is set in gaffer's environment, but agent.passEnv does not pass it",
    ]);
    expect(result.stdout + result.stderr).not.toContain(KEY);
  });

  it("asks with the agent's own env literals: a token in agent.env logs it in", async () => {
    claude({ env: { ANTHROPIC_AUTH_TOKEN: 'token-from-config' } });

    const result = await doctorWith(sandbox(), home());

    expect(result.exitCode, result.stderr).toBe(ExitCode.ok);
    expect(agentLines(result)).toContain('ok  agent claude: logged in (oauth_token)');
  });

  it('checks the agent of a unit too, and exits 15 when only that one is not logged in', async () => {
    sandbox().writeConfig({ agent: { kind: 'scripted' } });
    sandbox().writePlan({
      name: 'mixed',
      units: [{ id: 'one', title: 'one', prompt: 'one', agent: { kind: 'claude', command: FAKE_CLAUDE } }],
    });

    const result = await doctorWith(sandbox(), home());

    expectRefusal(result, ExitCode.agentAuth, ['agent claude: not logged in']);
    expect(agentLines(result)).toContain(
      `FAIL agent claude: not logged in: run \`${FAKE_CLAUDE}\` and /login (or \`${FAKE_CLAUDE} auth login\`), or set ANTHROPIC_API_KEY (passed to the agent by passEnv)`,
    );
  });

  it('never starts a session: only --version and auth status are asked', async () => {
    const log = path.join(home(), 'calls.log');
    claude({ env: { FAKE_CLAUDE_DOCTOR_LOG: log } });

    await doctorWith(sandbox(), home(), { ANTHROPIC_API_KEY: KEY });

    expect(callsLogged(log).sort()).toEqual([['--version'], ['auth', 'status']]);
  });
});
