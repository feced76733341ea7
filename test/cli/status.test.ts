import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { expectRefusal, runCli, useSandbox } from '../helpers/cli.js';

describe('gaffer status without a state database', () => {
  const sandbox = useSandbox();

  it('exits 11 with --config, naming the database it looked for and saying to run first', async () => {
    const result = await runCli(['status', '--config', sandbox().configPath], { cwd: sandbox().root });

    expectRefusal(result, ExitCode.state, [
      'no state database at',
      sandbox().databasePath,
      'gaffer run',
      '--state <folder>',
    ]);
    expect(result.stdout).toBe('');
    // Reading status never creates the database or its folder.
    expect(fs.existsSync(sandbox().stateDir)).toBe(false);
  });

  it('exits 11 with --state pointing at a folder without a database', async () => {
    const stateDir = path.join(sandbox().root, 'elsewhere');

    const result = await runCli(['status', '--state', stateDir, '--json'], { cwd: sandbox().root });

    expectRefusal(result, ExitCode.state, [path.join(stateDir, 'state.db'), 'gaffer run']);
    expect(fs.existsSync(stateDir)).toBe(false);
  });

  it('exits 11 inside a repository with no gaffer.json, looking in ./.gaffer', async () => {
    const result = await runCli(['status'], { cwd: sandbox().repo });

    expectRefusal(result, ExitCode.state, [sandbox().databasePath, 'gaffer run']);
    expect(fs.existsSync(sandbox().stateDir)).toBe(false);
  });

  it('exits 3, not 11, when the config it is given is broken', async () => {
    fs.writeFileSync(sandbox().configPath, '{');

    const result = await runCli(['status', '--config', sandbox().configPath], { cwd: sandbox().root });

    expectRefusal(result, ExitCode.config, [sandbox().configPath, 'not valid JSON']);
  });
});
