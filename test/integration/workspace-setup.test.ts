import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { cleanup, git, makeRepo, runMission, writes } from './mission-fixture.js';

let repo = '';
let scratch = '';
afterEach(() => {
  cleanup(repo);
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  scratch = '';
});

const node = process.execPath;

/** Every path in the commits of `range`. */
function committedPaths(...range: string[]): string[] {
  const out = git(repo, 'log', '--name-only', '--pretty=format:', ...range);
  return [...new Set(out.split('\n').filter((line) => line !== ''))].sort();
}

/** Running: it exists and is not a zombie (an orphan's parent here may never reap it). */
function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

it('copies .env (mode kept) and runs setup before the agent, logs its output, and commits neither the copy nor what setup made', async () => {
  repo = makeRepo();
  fs.writeFileSync(path.join(repo, '.env'), 'API_URL=http://localhost\n', { mode: 0o600 });
  fs.chmodSync(path.join(repo, '.env'), 0o600);
  // A setup script that checks the copy, then leaves untracked output the way `npm ci` and a build do.
  const setupScript = [
    "const fs = require('node:fs');",
    "const mode = (fs.statSync('.env').mode & 0o777).toString(8);",
    "console.log(`env seen: ${fs.readFileSync('.env', 'utf8').trim()} mode ${mode}`);",
    "fs.mkdirSync('node_modules/dep', { recursive: true });",
    "fs.writeFileSync('node_modules/dep/index.js', 'module.exports = 1;\\n');",
    "fs.writeFileSync('build-stamp.txt', 'built\\n');",
    "console.error('setup done on stderr');",
  ].join('\n');
  const { result, events } = await runMission(
    repo,
    {
      units: [
        { id: 'commits', title: 'commits with git add -A', prompt: writes('one') },
        {
          id: 'leaves',
          title: 'leaves its edit for gaffer to commit',
          prompt: '@write files/two.txt two\n@handoff done wrote two',
          agent: { kind: 'scripted', autoCommit: true },
        },
      ],
    },
    {
      copyFiles: ['.env', 'missing.env', 'check.mjs'],
      setup: [[node, '-e', setupScript]],
      rounds: { max: 1 },
    },
  );
  try {
    expect(result.status).toBe('completed');
    const attempts = result.store.attempts.forRun(result.runId);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['handed-off', 'handed-off']);
    for (const attempt of attempts) {
      const log = fs.readFileSync(attempt.log_path, 'utf8');
      // The copy note, the warnings, the setup header and its output come before the agent's first line.
      expect(log).toContain('[setup] copied .env');
      expect(log).toMatch(/\[setup\] copyFiles: missing\.env does not exist in .*; not copied/);
      expect(log).toContain('[setup] copyFiles: check.mjs is tracked at the base commit');
      expect(log).toContain(`[setup] ${node} -e`);
      expect(log).toContain('env seen: API_URL=http://localhost mode 600');
      expect(log).toContain('setup done on stderr');
      expect(log).toMatch(/kept out of the attempt's commits: .*node_modules\//);
      expect(log.indexOf('env seen')).toBeLessThan(log.indexOf('[agent]'));
    }
    expect(committedPaths('main..gaffer/working')).toEqual(['files/one.txt', 'files/two.txt']);
    // Nowhere in the repository: not on an attempt's branch or ref either.
    const everywhere = committedPaths('--all');
    expect(everywhere.filter((file) => /^(\.env|node_modules|build-stamp)/.test(file))).toEqual([]);
    // The user's own .env is untouched.
    expect(fs.readFileSync(path.join(repo, '.env'), 'utf8')).toBe('API_URL=http://localhost\n');
    const warnings = events.filter((event) => event.type === 'supervisor:warning');
    expect(warnings).toEqual([]);
  } finally {
    result.store.close();
  }
});

it('a failing setup is an infrastructure error with its output: no strike, the unit waits for the next round', async () => {
  repo = makeRepo();
  const { result } = await runMission(
    repo,
    { units: [{ id: 'a', title: 'a', prompt: writes('a') }] },
    {
      setup: [[node, '-e', "console.log('npm ERR! could not resolve dependency'); process.exit(3)"]],
      rounds: { max: 2 },
      maxAttempts: 1,
    },
  );
  try {
    expect(result.status).toBe('unfinished');
    const attempts = result.store.attempts.forRun(result.runId);
    // One attempt per round: a broken setup does not loop inside a round.
    expect(attempts.map((attempt) => [attempt.round, attempt.outcome])).toEqual([
      [1, 'error'],
      [2, 'error'],
    ]);
    expect(attempts[0]?.reason).toBe(
      `setup \`${node} -e console.log('npm ERR! could not resolve dependency'); process.exit(3)\` failed (exit 3): npm ERR! could not resolve dependency`,
    );
    const log = fs.readFileSync(attempts[0]?.log_path ?? '', 'utf8');
    expect(log).toContain('npm ERR! could not resolve dependency');
    expect(log).not.toContain('[agent]');
    const unit = result.store.units.get(result.runId, 'a');
    expect(unit).toMatchObject({ status: 'pending', strikes: 0 });
    expect(unit?.reason).toContain('(no strike)');
  } finally {
    result.store.close();
  }
});

it('a setup that hangs is ended at setupTimeoutMs with its whole process group', async () => {
  repo = makeRepo();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-setup-hang-'));
  const pidFile = path.join(scratch, 'child.pid');
  // The setup starts a child in its group (like a package manager's worker) and both wait forever.
  const hang = [
    "const { spawn } = require('node:child_process');",
    `const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });`,
    `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));`,
    "console.log('installing...');",
    'setInterval(() => {}, 1000);',
  ].join('\n');
  const { result } = await runMission(
    repo,
    { units: [{ id: 'a', title: 'a', prompt: writes('a') }] },
    { setup: [[node, '-e', hang]], setupTimeoutMs: 1000, rounds: { max: 1 } },
  );
  try {
    const [attempt] = result.store.attempts.forRun(result.runId);
    expect(attempt?.outcome).toBe('error');
    expect(attempt?.reason).toMatch(
      /^setup `.*` timed out after 1 s \(setupTimeoutMs\); its process group was ended: installing\.\.\.$/s,
    );
    const childPid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(isAlive(childPid)).toBe(false);
    expect(result.store.units.get(result.runId, 'a')?.strikes).toBe(0);
  } finally {
    result.store.close();
  }
});

it('a setup command that is not installed says so, and is no strike', async () => {
  repo = makeRepo();
  const { result } = await runMission(
    repo,
    { units: [{ id: 'a', title: 'a', prompt: writes('a') }] },
    { setup: [['gaffer-no-such-setup-tool', 'install']], rounds: { max: 1 } },
  );
  try {
    const [attempt] = result.store.attempts.forRun(result.runId);
    expect(attempt?.outcome).toBe('error');
    expect(attempt?.reason).toMatch(
      /^setup `gaffer-no-such-setup-tool install` could not start: .*command not found; install it or fix PATH/,
    );
    expect(result.store.units.get(result.runId, 'a')).toMatchObject({ status: 'pending', strikes: 0 });
  } finally {
    result.store.close();
  }
});

it('stopping the supervisor during setup ends the setup and leaves the unit to resume, no strike', async () => {
  repo = makeRepo();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-setup-stop-'));
  const started = path.join(scratch, 'started');
  const stop = new AbortController();
  const waitForever = `require('node:fs').writeFileSync(${JSON.stringify(started)}, 'x'); setInterval(() => {}, 1000);`;
  const poll = setInterval(() => {
    if (fs.existsSync(started)) stop.abort();
  }, 50);
  try {
    const { result } = await runMission(
      repo,
      { units: [{ id: 'a', title: 'a', prompt: writes('a') }] },
      { setup: [[node, '-e', waitForever]], rounds: { max: 1 } },
      { signal: stop.signal },
    );
    try {
      expect(result.status).toBe('interrupted');
      const [attempt] = result.store.attempts.forRun(result.runId);
      expect(attempt?.outcome).toBe('killed');
      expect(result.store.units.get(result.runId, 'a')).toMatchObject({ status: 'pending', strikes: 0 });
      expect(fs.readFileSync(attempt?.log_path ?? '', 'utf8')).toContain('ended: the attempt was stopped');
    } finally {
      result.store.close();
    }
  } finally {
    clearInterval(poll);
  }
});
