import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runFileSteps } from '../../src/git/git-runner.js';
import { makeTempDir, removeTempDir } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

function tempDir(): string {
  const dir = makeTempDir();
  dirs.push(dir);
  return dir;
}

describe("a workspace's file work in the git thread", () => {
  it('makes folders, writes, copies and removes, in order', async () => {
    const dir = tempDir();
    const tree = path.join(dir, 'a', 'b');
    await runFileSteps([
      { op: 'mkdir', path: tree },
      { op: 'write', path: path.join(tree, 'one'), data: 'first\n' },
      { op: 'copy', from: path.join(tree, 'one'), to: path.join(dir, 'copy') },
      { op: 'copy', from: path.join(dir, 'missing'), to: path.join(dir, 'never'), optional: true },
      { op: 'rm', path: path.join(dir, 'a') },
      { op: 'isFolder', path: dir },
    ]);
    expect(fs.readFileSync(path.join(dir, 'copy'), 'utf8')).toBe('first\n');
    expect(fs.existsSync(path.join(dir, 'a'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
  });

  it('removes a link, never what it points to', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'target');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep'), 'kept\n');
    fs.symlinkSync(target, path.join(dir, '.git'));
    await runFileSteps([{ op: 'rm', path: path.join(dir, '.git') }]);
    expect(fs.existsSync(path.join(dir, '.git'))).toBe(false);
    expect(fs.readFileSync(path.join(target, 'keep'), 'utf8')).toBe('kept\n');
  });

  it('stops at the first failing step and says why', async () => {
    const dir = tempDir();
    const link = path.join(dir, 'link');
    fs.symlinkSync(dir, link);
    await expect(
      runFileSteps([
        { op: 'isFolder', path: link },
        { op: 'write', path: path.join(dir, 'after'), data: 'x' },
      ]),
    ).rejects.toThrow(`${link} is not a folder`);
    expect(fs.existsSync(path.join(dir, 'after'))).toBe(false);
    await expect(
      runFileSteps([{ op: 'copy', from: path.join(dir, 'missing'), to: path.join(dir, 'to') }]),
    ).rejects.toThrow(/ENOENT/);
  });
});
