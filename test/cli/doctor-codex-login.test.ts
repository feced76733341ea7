import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { expectRefusal, useSandbox } from '../helpers/cli.js';
import { agentLines, callsLogged, doctorWith, FAKE_CODEX, useAgentHome } from './doctor-fixture.js';

const KEY = 'sk-proj-doctortestkey0123456789abcdefghij';

describe('gaffer doctor: is Codex logged in', () => {
  const sandbox = useSandbox();
  const home = useAgentHome();
  const codex = (extra: Record<string, unknown> = {}) =>
    sandbox().writeConfig({ agent: { kind: 'codex', command: FAKE_CODEX, ...extra } });

  it('not logged in (no ~/.codex/auth.json): a FAIL line with the fix, exit 15', async () => {
    codex();

    const result = await doctorWith(sandbox(), home());

    expect(agentLines(result)).toEqual([
      `ok  agent codex: ${FAKE_CODEX} found`,
      `ok  agent codex: ${FAKE_CODEX} 0.171.0 (tested)`,
      `FAIL agent codex: not logged in: run \`${FAKE_CODEX} login\`, or set CODEX_API_KEY (passed to the agent by passEnv)`,
    ]);
    expectRefusal(result, ExitCode.agentAuth, ['agent codex: not logged in', 'login', 'CODEX_API_KEY']);
  });

  it('logged in with an API key (codex login --with-api-key wrote auth.json): ok, no part of the key printed', async () => {
    codex();
    fs.mkdirSync(path.join(home(), '.codex'));
    fs.writeFileSync(
      path.join(home(), '.codex', 'auth.json'),
      JSON.stringify({ auth_mode: 'apikey', OPENAI_API_KEY: KEY }, null, 2),
    );

    const result = await doctorWith(sandbox(), home());

    expect(result.exitCode, result.stderr).toBe(ExitCode.ok);
    expect(result.stderr).toBe('');
    expect(agentLines(result)).toContain('ok  agent codex: logged in (API key configured)');
    expect(result.stdout).not.toContain(KEY.slice(0, 8));
    expect(result.stdout).not.toContain(KEY.slice(-5));
  });

  it('finds auth.json under CODEX_HOME, which passEnv passes by default', async () => {
    codex();
    const codexHome = path.join(home(), 'elsewhere');
    fs.mkdirSync(codexHome);
    fs.writeFileSync(
      path.join(codexHome, 'auth.json'),
      JSON.stringify({ auth_mode: 'apikey', OPENAI_API_KEY: KEY }),
    );

    const result = await doctorWith(sandbox(), home(), { CODEX_HOME: codexHome });

    expect(result.exitCode, result.stderr).toBe(ExitCode.ok);
    expect(agentLines(result)).toContain('ok  agent codex: logged in (API key configured)');
  });

  it('CODEX_API_KEY passed to the agent: ok without asking login status (which does not count it)', async () => {
    const log = path.join(home(), 'calls.log');
    codex({ passEnv: ['CODEX_API_KEY'], env: { FAKE_CODEX_DOCTOR_LOG: log } });

    const result = await doctorWith(sandbox(), home(), { CODEX_API_KEY: KEY });

    expect(result.exitCode, result.stderr).toBe(ExitCode.ok);
    expect(agentLines(result)).toContain('ok  agent codex: CODEX_API_KEY is in its environment');
    expect(callsLogged(log)).toEqual([['--version']]);
  });

  it('CODEX_API_KEY held by gaffer but left out of a passEnv that replaces the default: not logged in, add it to passEnv', async () => {
    codex({ passEnv: ['OPENAI_API_KEY', 'CODEX_HOME'] });

    const result = await doctorWith(sandbox(), home(), { CODEX_API_KEY: KEY });

    expectRefusal(result, ExitCode.agentAuth, [
      "CODEX_API_KEY is set in gaffer's environment, but agent.passEnv does not pass it",
    ]);
    expect(result.stdout + result.stderr).not.toContain(KEY);
  });

  it('only OPENAI_API_KEY in its environment: not logged in, and says how to log in with that key', async () => {
    codex();

    const result = await doctorWith(sandbox(), home(), { OPENAI_API_KEY: KEY });

    expectRefusal(result, ExitCode.agentAuth, [
      'not logged in',
      `printenv OPENAI_API_KEY | ${FAKE_CODEX} login --with-api-key`,
    ]);
    expect(result.stdout + result.stderr).not.toContain(KEY);
  });
});
