import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { escapePattern, unquoteGitPath } from '../../src/workers/workspace-setup.js';

let dir = '';
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

it('reads back the paths git lists with C quoting, and excludes exactly them, special characters and all', () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-exclude-'));
  const run = (...args: string[]): string =>
    execFileSync('git', ['-c', 'core.quotePath=false', ...args], { cwd: dir, encoding: 'utf8' });
  run('init', '--quiet');
  const names = [
    'plain.txt',
    'with space .txt',
    'tab\there',
    '!bang',
    '#hash',
    'star*[x]?.txt',
    'back\\slash',
    'naïve "q".txt',
  ];
  for (const name of names) fs.writeFileSync(path.join(dir, name), 'x');
  fs.mkdirSync(path.join(dir, 'made', 'deep'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'made', 'deep', 'file'), 'x');
  // A neighbour that only a wildcard read of the patterns would also hide.
  fs.writeFileSync(path.join(dir, 'starX[x]Y.txt'), 'x');
  const listed = run('ls-files', '--others', '--directory')
    .split('\n')
    .filter((line) => line !== '');
  const paths = listed.map(unquoteGitPath);
  expect(paths.sort()).toEqual([...names, 'made/', 'starX[x]Y.txt'].sort());
  const hidden = paths.filter((file) => file !== 'starX[x]Y.txt');
  fs.appendFileSync(
    path.join(dir, '.git', 'info', 'exclude'),
    hidden.map((file) => `/${escapePattern(file)}\n`).join(''),
  );
  expect(run('ls-files', '--others', '--exclude-standard', '--directory').trim()).toBe('starX[x]Y.txt');
});
