import { describe, expect, it } from 'vitest';
import { filePatternProblem, filePatternsOverlap, fixedPrefix } from '../../src/plan/file-patterns.js';

describe('filePatternsOverlap', () => {
  it.each([
    ['src/parse.ts', 'src/parse.ts', true],
    ['src/parse.ts', 'src/print.ts', false],
    ['./src/parse.ts', 'src//parse.ts', true],
    ['src/api/', 'src/api/routes.ts', true],
    ['src/api/', 'src/apix/routes.ts', false],
    ['src/api', 'src/api/routes.ts', true],
    ['src/api/', 'src/', true],
    ['src/api/', 'test/api/', false],
    ['src/*.ts', 'src/parse.ts', true],
    ['src/*.ts', 'src/api/routes.ts', false],
    ['src/*.ts', 'docs/readme.md', false],
    ['src/*.ts', 'src/parse.js', false],
    ['src/**', 'src/api/deep/routes.ts', true],
    ['src/**/*.test.ts', 'src/api/routes.test.ts', true],
    ['src/**/*.test.ts', 'src/api/routes.ts', false],
    ['**/*.md', 'docs/guide/intro.md', true],
    ['**/*.md', 'src/parse.ts', false],
    ['src/p?rse.ts', 'src/parse.ts', true],
    ['src/{a,b}.ts', 'src/c.ts', true],
    ['src/{a,b}.ts', 'lib/c.ts', false],
    // A plain path may be a folder a glob reaches into.
    ['src/*/routes.ts', 'src/api', true],
    ['src/*/routes.ts', 'src/api/', true],
    ['**/*.md', 'src/api', true],
    ['src/*/routes.ts', 'src/parse.ts', false],
    ['src/**', 'src', true],
    // Two globs: their fixed prefixes decide.
    ['src/*.ts', 'src/api/**', true],
    ['src/a*.ts', 'src/b*.ts', false],
    ['src/**', 'test/**', false],
    ['**', 'anything/at/all', true],
    ['src/**', '*.md', true],
  ])('%s against %s: %s', (a, b, expected) => {
    expect(filePatternsOverlap(a, b)).toBe(expected);
    expect(filePatternsOverlap(b, a)).toBe(expected);
  });

  it('takes the fixed prefix of a glob up to its first glob character', () => {
    expect(fixedPrefix('src/api/*.ts')).toBe('src/api/');
    expect(fixedPrefix('src/parse.ts')).toBe('src/parse.ts');
    expect(fixedPrefix('**/x')).toBe('');
  });
});

describe('filePatternProblem', () => {
  it('accepts paths, folders and globs inside the repository', () => {
    for (const hint of ['src/parse.ts', 'src/api/', 'src/**/*.ts', './docs', 'a..b/c.ts'])
      expect(filePatternProblem(hint)).toBeUndefined();
  });

  it('rejects absolute paths and ".." with the fix', () => {
    expect(filePatternProblem('/etc/passwd')).toMatch(
      /absolute path; write it relative to the repository root/,
    );
    expect(filePatternProblem('C:\\src\\x.ts')).toMatch(/absolute path/);
    expect(filePatternProblem('src/../../secrets')).toMatch(
      /contains "\.\."; name files inside the repository/,
    );
    expect(filePatternProblem('..\\outside')).toMatch(/contains "\.\."/);
  });
});
