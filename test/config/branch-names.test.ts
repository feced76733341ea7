import { describe, expect, it } from 'vitest';
import { branchNameProblem } from '../../src/config/branch-names.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError, ExitCode } from '../../src/errors.js';

/** parseConfig's ConfigError message for `branches`, after checking the class and exit code. */
function branchErrors(branches: Record<string, string>): string {
  let caught: unknown;
  try {
    parseConfig({ branches }, 'gaffer.json');
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  expect((caught as ConfigError).exitCode).toBe(ExitCode.config);
  return (caught as ConfigError).message;
}

describe('branch names in the config', () => {
  // Each bad name, the field it is tried in, and words the reason must contain.
  const badNames: { name: string; field: 'base' | 'working' | 'green'; why: string }[] = [
    { name: 'bad..name', field: 'working', why: 'contains ".."' },
    { name: 'x.lock', field: 'green', why: 'ends with ".lock"' },
    { name: 'gaffer/x.lock/y', field: 'green', why: 'part "x.lock" ends with ".lock"' },
    { name: '@{u}', field: 'base', why: 'contains "@{"' },
    { name: 'topic@{-1}', field: 'working', why: 'contains "@{"' },
    { name: '-dash', field: 'green', why: 'starts with "-"' },
    { name: 'refs/heads/x', field: 'working', why: 'starts with "refs/"' },
    { name: 'HEAD', field: 'base', why: "HEAD is git's name" },
    { name: '@', field: 'green', why: 'lone "@"' },
    { name: 'two words', field: 'working', why: 'a space' },
    { name: 'what?', field: 'green', why: '"?"' },
    { name: 'a~1', field: 'green', why: '"~"' },
    { name: 'a^', field: 'green', why: '"^"' },
    { name: 'a:b', field: 'green', why: '":"' },
    { name: 'glob*', field: 'green', why: '"*"' },
    { name: 'set[1]', field: 'green', why: '"["' },
    { name: 'back\\slash', field: 'green', why: '"\\"' },
    { name: 'tab\there', field: 'green', why: 'a control character' },
    { name: 'a//b', field: 'working', why: 'empty part' },
    { name: '/lead', field: 'working', why: 'empty part' },
    { name: 'trail/', field: 'working', why: 'empty part' },
    { name: 'dot.', field: 'working', why: 'ends with "."' },
    { name: 'gaffer/.hidden', field: 'working', why: 'part ".hidden" starts with "."' },
  ];

  for (const { name, field, why } of badNames) {
    it(`refuses ${JSON.stringify(name)} as branches.${field}, saying why and giving a valid example`, () => {
      const message = branchErrors({ [field]: name });
      expect(message).toContain(`branches.${field}: ${JSON.stringify(name)} is not a usable branch name`);
      expect(message).toContain(why);
      const example = { base: 'main', working: 'gaffer/working', green: 'gaffer/green' }[field];
      expect(message).toContain(`use a name like "${example}"`);
    });
  }

  it('suggests the short name for a full ref', () => {
    expect(branchNameProblem('refs/heads/topic')).toContain('e.g. "topic"');
  });

  it('accepts the names git accepts, with slashes, dots, dashes and non-ASCII letters', () => {
    for (const name of ['main', 'release/1.2', 'feature/x-y_z', 'gaffer/working', 'ünïcode', 'a.b', 'a@b']) {
      expect(branchNameProblem(name), name).toBeUndefined();
    }
    expect(
      parseConfig({ branches: { base: 'trunk', working: 'ci/work', green: 'ci/green' } }, 'x').branches,
    ).toEqual({ base: 'trunk', working: 'ci/work', green: 'ci/green' });
  });

  it('refuses working equal to green, naming both fields and three valid names', () => {
    const message = branchErrors({ working: 'gaffer/out', green: 'gaffer/out' });
    expect(message).toContain('branches.green: "gaffer/out" is also branches.working');
    expect(message).toContain('three different branches');
    expect(message).toContain('"main", "gaffer/working" and "gaffer/green"');
  });

  it('refuses working equal to base', () => {
    expect(branchErrors({ base: 'main', working: 'main' })).toContain(
      'branches.working: "main" is also branches.base',
    );
  });

  it('refuses names nested in each other (git cannot hold gaffer and gaffer/x)', () => {
    const message = branchErrors({ working: 'ci', green: 'ci/green' });
    expect(message).toContain('branches.green: "ci/green" and branches.working "ci" nest');
    expect(message).toContain('git cannot hold both');
    expect(branchErrors({ base: 'ci', working: 'ci/work', green: 'green' })).toContain(
      'branches.working: "ci/work" and branches.base "ci" nest',
    );
  });

  it("refuses green or working names inside gaffer's attempt-branch namespace", () => {
    expect(branchErrors({ green: 'gaffer' })).toContain(
      'branches.green: "gaffer" would be a branch where gaffer keeps its attempt branches (gaffer/run-<n>/…)',
    );
    expect(branchErrors({ working: 'gaffer/run-1/x' })).toContain(
      'branches.working: "gaffer/run-1/x" is inside gaffer/run-…, which gaffer keeps for its attempt branches',
    );
  });
});
