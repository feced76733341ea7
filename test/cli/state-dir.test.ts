import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { Store } from '../../src/store/store.js';
import {
  branchList,
  CLI_PATH,
  deadPid,
  expectCompletedRun,
  expectRefusal,
  expectUntouched,
  git,
  runCli,
  runGaffer,
  useSandbox,
  type CliResult,
  type Sandbox,
} from '../helpers/cli.js';

const MARKER = '.gaffer-state';

/** Every path under `dir` with its content (files) or "/" (folders), to prove nothing changed. */
function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string): void => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      const key = path.relative(dir, full);
      if (entry.name === '.git') continue;
      if (entry.isDirectory()) {
        out[`${key}/`] = '/';
        walk(full);
      } else out[key] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** `.git/info/exclude` as it is (gaffer appends the state folder to it when it runs). */
function excludeFile(repo: string): string {
  const file = path.join(repo, '.git', 'info', 'exclude');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

/** Commits `files` (path -> content) in the sandbox repository. */
function commitFiles(repo: string, files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), content);
  }
  git(repo, 'add', '-A');
  git(repo, 'commit', '--quiet', '-m', 'User files');
}

describe('gaffer run: a state folder gaffer does not own is refused before anything is written', () => {
  const sandbox = useSandbox();

  it('exits 3 on "stateDir": "." and leaves the merge/ and worktrees/ folders of the repository alone', async () => {
    const repo = sandbox().repo;
    commitFiles(repo, { 'merge/strategy.md': 'ours\n', 'worktrees/README.md': 'notes\n' });
    fs.writeFileSync(path.join(repo, 'merge', 'scratch.txt'), 'untracked notes\n');
    sandbox().writeConfig({ stateDir: '.' });
    const before = branchList(repo);
    const tree = snapshotTree(repo);
    const exclude = excludeFile(repo);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.config, [
      `stateDir ${repo} is the repository itself`,
      'needs a folder of its own',
      '".gaffer"',
    ]);
    expect(snapshotTree(repo)).toEqual(tree);
    expect(excludeFile(repo)).toBe(exclude);
    expectUntouched(repo, before, { stateDir: repo, stateDirMayExist: true });
  });

  it('exits 3 on a stateDir that contains the repository', async () => {
    sandbox().writeConfig({ stateDir: '..' });
    const before = branchList(sandbox().repo);
    const tree = snapshotTree(sandbox().root);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.config, [
      `stateDir ${sandbox().root} contains the repository ${sandbox().repo}`,
      'needs a folder of its own',
    ]);
    expect(snapshotTree(sandbox().root)).toEqual(tree);
    expectUntouched(sandbox().repo, before);
  });

  it('exits 11 on a stateDir holding files tracked by git, naming them', async () => {
    const repo = sandbox().repo;
    commitFiles(repo, { 'docs/guide.md': 'how to\n', 'docs/api.md': 'api\n' });
    sandbox().writeConfig({ stateDir: 'docs' });
    const before = branchList(repo);
    const tree = snapshotTree(repo);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.state, [
      'stateDir must be a folder gaffer owns',
      `${path.join(repo, 'docs')} holds files tracked by git (docs/api.md, docs/guide.md)`,
      'set "stateDir"',
    ]);
    expect(snapshotTree(repo)).toEqual(tree);
    expectUntouched(repo, before, { stateDir: path.join(repo, 'docs'), stateDirMayExist: true });
  });

  it('exits 11 on a state folder holding entries gaffer did not make, naming up to five', async () => {
    const stateDir = sandbox().stateDir;
    fs.mkdirSync(path.join(stateDir, 'photos'), { recursive: true });
    for (const name of ['notes.txt', 'a.txt', 'b.txt', 'c.txt', 'd.txt']) {
      fs.writeFileSync(path.join(stateDir, name), 'mine\n');
    }
    // Gaffer's own names are not foreign, but a user's file in their place would be.
    fs.mkdirSync(path.join(stateDir, 'logs'));
    const before = branchList(sandbox().repo);
    const tree = snapshotTree(stateDir);

    const result = await runGaffer(sandbox());

    const stderr = expectRefusal(result, ExitCode.state, [
      'stateDir must be a folder gaffer owns',
      `${stateDir} holds entries gaffer did not make`,
      'and 1 more',
      `no ${MARKER} marker`,
      'set "stateDir" in the config (or --state) to a new or empty folder, or move those entries away',
    ]);
    expect(stderr).not.toContain('logs');
    expect(snapshotTree(stateDir)).toEqual(tree);
    expectUntouched(sandbox().repo, before, { stateDirMayExist: true });
  });

  it('exits 11 when the state folder is a regular file', async () => {
    fs.writeFileSync(sandbox().stateDir, 'not a folder\n');
    const before = branchList(sandbox().repo);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.state, [
      `the state folder ${sandbox().stateDir} is a file, not a folder`,
      'move the file away, or set "stateDir"',
    ]);
    expect(fs.readFileSync(sandbox().stateDir, 'utf8')).toBe('not a folder\n');
    expect(branchList(sandbox().repo)).toEqual(before);
  });

  it('exits 11 when the state folder cannot be created, naming the errno', async () => {
    fs.writeFileSync(path.join(sandbox().root, 'blocker'), 'a file\n');
    sandbox().writeConfig({ stateDir: path.join(sandbox().root, 'blocker', 'state') });
    const before = branchList(sandbox().repo);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.state, [
      `the state folder ${path.join(sandbox().root, 'blocker', 'state')} cannot be created (ENOTDIR)`,
      'a file stands where a folder of its path should be',
    ]);
    expect(branchList(sandbox().repo)).toEqual(before);
  });
});

describe('gaffer run: a state folder gaffer owns', () => {
  const sandbox = useSandbox();

  it('creates a new state folder with its marker, and runs', async () => {
    const result = await runGaffer(sandbox());

    expectCompletedRun(result, sandbox());
    const marker = JSON.parse(fs.readFileSync(path.join(sandbox().stateDir, MARKER), 'utf8')) as {
      format: number;
      createdAt: string;
    };
    expect(marker.format).toBe(1);
    expect(Number.isNaN(Date.parse(marker.createdAt))).toBe(false);
  });

  it('adopts a state folder of an earlier gaffer (only its entries, no marker), marks it and runs in it', async () => {
    // What an earlier gaffer leaves: the database, a stale lock, logs, checkouts; no marker.
    const stateDir = sandbox().stateDir;
    for (const folder of ['logs/run-1', 'worktrees', 'merge', 'prompts/run-1']) {
      fs.mkdirSync(path.join(stateDir, folder), { recursive: true });
    }
    Store.open(sandbox().databasePath).close();
    fs.writeFileSync(path.join(stateDir, 'supervisor.lock'), `${await deadPid()}\n`);

    const result = await runGaffer(sandbox());

    expectCompletedRun(result, sandbox());
    expect(fs.existsSync(path.join(stateDir, MARKER))).toBe(true);
  });

  it('takes an existing empty folder and marks it', async () => {
    fs.mkdirSync(sandbox().stateDir);

    expectCompletedRun(await runGaffer(sandbox()), sandbox());
    expect(fs.existsSync(path.join(sandbox().stateDir, MARKER))).toBe(true);
  });

  it('runs in a marked state folder whatever else it holds', async () => {
    fs.mkdirSync(sandbox().stateDir);
    fs.writeFileSync(path.join(sandbox().stateDir, MARKER), '{"format":1}\n');
    fs.writeFileSync(path.join(sandbox().stateDir, 'notes.txt'), 'the marker says this folder is gaffer’s\n');

    expectCompletedRun(await runGaffer(sandbox()), sandbox());
    expect(fs.readFileSync(path.join(sandbox().stateDir, MARKER), 'utf8')).toBe('{"format":1}\n');
  });
});

describe('gaffer retry: the same rules for the state folder it writes', () => {
  const sandbox = useSandbox();

  it('exits 11 on --state pointing at a folder with a database and foreign entries, writing nothing', async () => {
    const stateDir = path.join(sandbox().root, 'elsewhere');
    fs.mkdirSync(stateDir);
    fs.writeFileSync(path.join(stateDir, 'state.db'), '');
    fs.writeFileSync(path.join(stateDir, 'thesis.tex'), 'mine\n');
    const tree = snapshotTree(stateDir);

    const result = await runCli(['retry', 'hello', '--state', stateDir], { cwd: sandbox().root });

    expectRefusal(result, ExitCode.state, ['holds entries gaffer did not make (thesis.tex)']);
    expect(snapshotTree(stateDir)).toEqual(tree);
  });
});

/**
 * Runs `gaffer run` for the sandbox in a private mount namespace
 * (`unshare -m`) in which `mountPoint` is a tmpfs remounted read-only after
 * `prepare` (a shell snippet, `$1` the mount point) ran in it. The mount
 * exists only in that namespace and ends with it: nothing leaks to the host.
 * As root, chmod does not stop writes; a read-only mount does.
 */
async function runOnReadOnlyMount(sandbox: Sandbox, mountPoint: string, prepare: string): Promise<CliResult> {
  const script = [
    'set -e',
    'mount -t tmpfs gaffer-test "$1"',
    prepare,
    'mount -o remount,ro "$1"',
    // Prove the mount is read-only before gaffer sees it: the test is about EROFS, nothing else.
    'if touch "$1/.probe" 2>/dev/null; then echo "the mount is writable" >&2; exit 99; fi',
    'shift',
    'exec "$@"',
  ].join('\n');
  const result = await execa(
    'unshare',
    [
      '-m',
      'sh',
      '-c',
      script,
      'sh',
      mountPoint,
      process.execPath,
      CLI_PATH,
      'run',
      '--config',
      sandbox.configPath,
      '--headless',
    ],
    {
      cwd: sandbox.root,
      reject: false,
      stdin: 'ignore',
      timeout: 120_000,
      env: { GIT_CEILING_DIRECTORIES: os.tmpdir(), GAFFER_DEBUG: undefined, NO_COLOR: '1' },
    },
  );
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('gaffer run: a state folder on a read-only filesystem (a real read-only tmpfs, in its own mount namespace)', () => {
  const sandbox = useSandbox();

  it('exits 11 naming EROFS and the fix when the state folder is read-only', async () => {
    const stateDir = sandbox().stateDir;
    fs.mkdirSync(stateDir);
    const before = branchList(sandbox().repo);

    const result = await runOnReadOnlyMount(sandbox(), stateDir, `printf '{"format":1}\\n' > "$1/${MARKER}"`);

    expectRefusal(result, ExitCode.state, [
      `the state folder ${stateDir} is not writable (EROFS)`,
      'read-only filesystem',
      'remount it writable, or set "stateDir"',
    ]);
    expectUntouched(sandbox().repo, before, { stateDirMayExist: true });
    // The mount ended with its namespace: the folder is the empty mount point again.
    expect(fs.readdirSync(stateDir)).toEqual([]);
  });

  it('exits 11 naming EROFS when the state folder would be created on a read-only filesystem', async () => {
    const readOnly = path.join(sandbox().root, 'ro');
    fs.mkdirSync(readOnly);
    sandbox().writeConfig({ stateDir: path.join(readOnly, 'state') });
    const before = branchList(sandbox().repo);

    const result = await runOnReadOnlyMount(sandbox(), readOnly, 'true');

    expectRefusal(result, ExitCode.state, [
      `the state folder ${path.join(readOnly, 'state')} cannot be created (EROFS)`,
      'read-only filesystem',
    ]);
    expect(branchList(sandbox().repo)).toEqual(before);
  });
});
