import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import {
  branchList,
  expectRefusal,
  expectUntouched,
  git,
  makeTempDir,
  removeTempDir,
  runCli,
  useSandbox,
} from '../helpers/cli.js';

describe('gaffer run without a git identity', () => {
  const sandbox = useSandbox();

  it('exits 14 before anything is written, saying how to set one', async () => {
    const { repo, root, configPath } = sandbox();
    git(repo, 'config', '--unset', 'user.name');
    git(repo, 'config', '--unset', 'user.email');
    const home = makeTempDir();
    try {
      const before = branchList(repo);
      // No global configuration either: git would have to guess, and refuses to.
      const env = { HOME: home, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', EMAIL: undefined };
      const result = await runCli(['run', '--config', configPath, '--headless'], { cwd: root, env });
      expectRefusal(result, ExitCode.gitIdentity, [
        'git has no identity to commit with',
        'git config --global user.email',
      ]);
      expectUntouched(repo, before);
      const doctor = await runCli(['doctor', '--config', configPath], { cwd: root, env });
      expect(doctor.exitCode).toBe(ExitCode.gitIdentity);
    } finally {
      removeTempDir(home);
    }
  });
});
