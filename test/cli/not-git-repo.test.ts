import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { expectRefusal, expectUntouched, runGaffer, useSandbox } from '../helpers/cli.js';

describe('gaffer run: the repository is not a git repository', () => {
  const sandbox = useSandbox();

  it('refuses a plain folder with exit 5, naming it and how to fix it', async () => {
    const plain = path.join(sandbox().root, 'plain');
    fs.mkdirSync(plain);
    fs.writeFileSync(path.join(plain, 'notes.txt'), 'not under git\n');
    sandbox().writeConfig({ repo: 'plain' });

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.notGitRepo, [
      plain,
      'is not a git repository',
      'git init',
      '"repo" in the config',
    ]);
    expectUntouched(plain, []);
    expect(fs.readdirSync(plain)).toEqual(['notes.txt']);
    expect(result.stdout).toBe('');
  });

  it('refuses a repo path that does not exist with exit 5 and creates nothing there', async () => {
    const missing = path.join(sandbox().root, 'no-such-folder');
    sandbox().writeConfig({ repo: 'no-such-folder' });

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.notGitRepo, [missing, 'does not exist', '"repo" in the config']);
    expect(result.stderr).not.toContain('--repo');
    expect(fs.existsSync(missing)).toBe(false);
  });
});
