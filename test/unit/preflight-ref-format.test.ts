import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError, ExitCode } from '../../src/errors.js';
import { preflight } from '../../src/preflight.js';
import { makeRepo, makeTempDir, removeTempDir } from '../helpers/cli.js';

// The schema mirrors git's ref-name rules; preflight asks git itself too, so a
// rule the copy misses (or a config built in code, past the schema) is still caught.
describe('preflight asks git check-ref-format about each branch name', () => {
  let root: string | undefined;
  let repo: string;
  beforeEach(() => {
    root = makeTempDir();
    repo = makeRepo(path.join(root, 'repo'));
  });
  afterEach(() => removeTempDir(root));

  it('refuses with a ConfigError (exit 3) a name git refuses, naming the field and an example', async () => {
    const config = parseConfig({ agent: { kind: 'scripted' } }, 'test');
    const unchecked = { ...config, repo, branches: { ...config.branches, green: 'out..put' } };

    const failure = await preflight(unchecked, undefined, repo).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).exitCode).toBe(ExitCode.config);
    expect((failure as ConfigError).message).toBe(
      'branches.green: git refuses "out..put" as a branch name (git check-ref-format): set branches.green to a plain name like "gaffer/green"',
    );
  });

  it('passes names git accepts', async () => {
    const config = parseConfig({ agent: { kind: 'scripted' } }, 'test');
    const report = await preflight({ ...config, repo }, undefined, repo);
    expect(report.passed[0]).toBe(`git repository at ${repo}`);
  });
});
