import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processAlive, readStat } from '../../src/workers/process-group.js';
import {
  findMarkedProcesses,
  findSessionProcesses,
  killAllChildrenNow,
  liveChildGroups,
  PROCESS_MARK_VARIABLE,
  processMarkSession,
} from '../../src/workers/process-marks.js';
import { scriptedAgentPath } from '../../src/workers/scripted-agent-path.js';
import { runSupervised, type SupervisedSpec } from '../../src/workers/supervised-process.js';
import { waitFor } from '../helpers/wait.js';

let dir: string;
/** Orphans a test started: killed in afterEach whatever happened, so a failing test leaves none behind. */
const started: number[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaffer-setsid-'));
});
afterEach(() => {
  for (const pid of started.splice(0)) {
    if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

interface Orphan {
  pid: number;
  /** Its process group and session, read while it ran. */
  pgrp: number;
  sid: number;
}

/**
 * Runs the scripted agent; when it announces its setsid orphan, records the
 * orphan's group and session (the agent waits for the orphan to be up first).
 */
async function runAgent(prompt: string, opts: Partial<SupervisedSpec> = {}) {
  const orphans: Orphan[] = [];
  const result = await runSupervised({
    command: process.execPath,
    args: [scriptedAgentPath()],
    cwd: dir,
    stdinText: prompt,
    graceMs: 300,
    ...opts,
    onLine: (line) => {
      const match = /^SETSID_ORPHAN_PID (\d+)$/.exec(line);
      if (match?.[1] === undefined) return;
      const pid = Number(match[1]);
      started.push(pid);
      const ids = sessionIds(pid);
      if (ids !== undefined) orphans.push({ pid, ...ids });
    },
  });
  return { result, orphans };
}

/** The built module (dist/), as a subprocess imports it. */
function distModule(name: string): string {
  return join(dirname(scriptedAgentPath()), name);
}

/** pgrp and session of a running process, from /proc/<pid>/stat. */
function sessionIds(pid: number): { pgrp: number; sid: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pgrp: Number(fields[2]), sid: Number(fields[3]) };
}

function expectEscaped(orphan: Orphan | undefined, leader: number | undefined): Orphan {
  if (orphan === undefined || leader === undefined) throw new Error('no orphan was announced');
  // It really left: neither in the agent's group nor in its session, so killGroup alone misses it.
  expect(orphan.pgrp).toBe(orphan.pid);
  expect(orphan.sid).toBe(orphan.pid);
  expect(orphan.pgrp).not.toBe(leader);
  return orphan;
}

describe('a grandchild that left the process group (setsid) does not outlive the attempt', () => {
  it('is ended after a normal exit, and its pid file names it', async () => {
    const pidFile = join(dir, 'orphan.pid');
    const { result, orphans } = await runAgent(`@setsid-orphan 60000 ${pidFile}\n@print 1 done\n`);

    expect(result.outcome).toBe('exited');
    expect(result.exitCode).toBe(0);
    const orphan = expectEscaped(orphans[0], result.pid);
    expect(Number(readFileSync(pidFile, 'utf8'))).toBe(orphan.pid);
    expect(processAlive(orphan.pid)).toBe(false);
    expect(liveChildGroups()).toEqual([]);
  });

  it('is ended after a timeout, when the agent ignored SIGTERM', async () => {
    // A budget that outlasts two node startups on a loaded machine: the orphan must be up before it ends.
    const { result, orphans } = await runAgent('@setsid-orphan 60000\n@hang\n', { timeoutMs: 8000 });

    expect(result.outcome).toBe('timed-out');
    const orphan = expectEscaped(orphans[0], result.pid);
    expect(processAlive(orphan.pid)).toBe(false);
    expect(processAlive(result.pid ?? 0)).toBe(false);
  });

  it('is ended after an abort, and its pid file comes from GAFFER_ORPHAN_PID_FILE', async () => {
    const pidFile = join(dir, 'from-env.pid');
    const abort = new AbortController();
    const running = runAgent('@setsid-orphan 60000\n@sleep 60000\n', {
      env: { GAFFER_ORPHAN_PID_FILE: pidFile },
      signal: abort.signal,
    });
    const pid = await waitFor('the orphan pid file', () =>
      existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined,
    );
    started.push(pid);
    expect(processAlive(pid)).toBe(true);
    expect(findSessionProcesses()).toContain(pid);
    abort.abort();
    const { result } = await running;

    expect(result.outcome).toBe('killed');
    expect(processAlive(pid)).toBe(false);
    expect(findSessionProcesses()).not.toContain(pid);
  });

  it('agents ending together each have their own escaped grandchild ended, and only theirs', async () => {
    // Their ends share /proc passes; a pass must end each mark's processes and leave a running agent's alone.
    const pidFile = join(dir, 'still-running.pid');
    const abort = new AbortController();
    const stillRunning = runAgent('@setsid-orphan 60000\n@sleep 60000\n', {
      env: { GAFFER_ORPHAN_PID_FILE: pidFile },
      signal: abort.signal,
    });
    const runningOrphan = await waitFor("the running agent's orphan pid file", () =>
      existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined,
    );
    started.push(runningOrphan);
    const ended = await Promise.all([1, 2, 3].map(() => runAgent('@setsid-orphan 60000\n@print 1 done\n')));

    for (const { result, orphans } of ended) {
      expect(result.exitCode).toBe(0);
      const orphan = expectEscaped(orphans[0], result.pid);
      expect(processAlive(orphan.pid)).toBe(false);
    }
    expect(processAlive(runningOrphan)).toBe(true);
    abort.abort();
    expect((await stillRunning).result.outcome).toBe('killed');
    expect(processAlive(runningOrphan)).toBe(false);
  });

  it('killAllChildrenNow ends a running agent and its escaped grandchild at once, synchronously', async () => {
    const pidFile = join(dir, 'now.pid');
    const running = runAgent(`@setsid-orphan 60000 ${pidFile}\n@hang\n`);
    const pid = await waitFor('the orphan pid file', () =>
      existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined,
    );
    started.push(pid);
    const [child] = liveChildGroups();
    if (child === undefined) throw new Error('the agent is not registered');

    expect(killAllChildrenNow()).toBeGreaterThanOrEqual(2);
    const { result } = await running;
    expect(result.signal).toBe('SIGKILL');
    await waitFor('the orphan to die', () => (processAlive(pid) ? undefined : true));
    expect(findMarkedProcesses(child.mark)).toEqual([]);
    expect(liveChildGroups()).toEqual([]);
  });
});

describe('any exit of the supervisor', () => {
  it('process.exit mid-run (the exit hook) leaves neither the agent nor its escaped grandchild running', async () => {
    const pidFile = join(dir, 'exit.pid');
    const agentPidFile = join(dir, 'agent.pid');
    // A supervisor that exits abruptly while its agent hangs: nothing but the 'exit' hook can clean up.
    const supervisor = [
      `import { writeFileSync, existsSync } from 'node:fs';`,
      `import { runSupervised } from ${JSON.stringify(distModule('supervised-process.js'))};`,
      `void runSupervised({ command: process.execPath, args: [${JSON.stringify(scriptedAgentPath())}], cwd: ${JSON.stringify(dir)},`,
      `  stdinText: ${JSON.stringify(`@setsid-orphan 60000 ${pidFile}
@hang
`)},`,
      `  onSpawn: (pid) => writeFileSync(${JSON.stringify(agentPidFile)}, String(pid)) });`,
      `const poll = setInterval(() => { if (existsSync(${JSON.stringify(pidFile)})) { clearInterval(poll); process.exit(3); } }, 20);`,
    ].join('\n');
    // Plain execa, not runSupervised: this test's own marks would end them otherwise.
    const result = await execa(process.execPath, ['--input-type=module', '-e', supervisor], {
      cwd: dir,
      reject: false,
      timeout: 120_000,
    });
    expect(result.exitCode, result.stderr).toBe(3);
    const orphan = Number(readFileSync(pidFile, 'utf8'));
    const agent = Number(readFileSync(agentPidFile, 'utf8'));
    started.push(orphan, agent);
    await waitFor('the agent and its orphan to die', () =>
      processAlive(orphan) || processAlive(agent) ? undefined : true,
    );
  });
});

describe('the mark in the environment', () => {
  const printMark = `process.stdout.write(JSON.stringify({ mark: process.env.${PROCESS_MARK_VARIABLE} ?? null, home: process.env.HOME ?? null, extra: process.env.GAFFER_TEST_EXTRA ?? null }) + '\\n')`;

  async function childEnv(env: Record<string, string | undefined>) {
    const lines: string[] = [];
    const result = await runSupervised({
      command: process.execPath,
      args: ['-e', printMark],
      cwd: dir,
      env,
      onLine: (line) => lines.push(line),
    });
    expect(result.exitCode).toBe(0);
    return JSON.parse(lines.join('')) as { mark: string | null; home: string | null; extra: string | null };
  }

  it('is always set, last: a caller can neither remove nor forge it, and other variables still merge', async () => {
    const removed = await childEnv({ [PROCESS_MARK_VARIABLE]: undefined, HOME: undefined });
    expect(removed.mark).toMatch(new RegExp(`^${processMarkSession()}:\\d+$`));
    expect(removed.home).toBeNull(); // an undefined value still removes an inherited variable

    const forged = await childEnv({ [PROCESS_MARK_VARIABLE]: 'forged:1', GAFFER_TEST_EXTRA: 'x' });
    expect(forged.mark).toMatch(new RegExp(`^${processMarkSession()}:\\d+$`));
    expect(forged.extra).toBe('x');
    expect(forged.mark).not.toBe(removed.mark); // one mark per child
  });

  it('is matched whole: mark s:1 does not find a process marked s:10, and outer marks are kept', async () => {
    // A process as a nested gaffer's child would carry: an outer mark, then its own.
    const marked = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
      // A big environment first: the mark comes last, far past the first read of /proc/<pid>/environ.
      env: {
        ...process.env,
        GAFFER_TEST_BIG: 'x'.repeat(100_000),
        [PROCESS_MARK_VARIABLE]: 'aaaa:3 bbbb:10',
      },
      stdio: 'ignore',
    });
    const pid = marked.pid;
    if (pid === undefined) throw new Error('node did not start');
    started.push(pid);
    try {
      await waitFor('the marked process to exec', () =>
        readStat(pid) !== undefined && findMarkedProcesses('bbbb:10').includes(pid) ? true : undefined,
      );
      expect(findMarkedProcesses('bbbb:1')).toEqual([]);
      expect(findMarkedProcesses('aaaa:3')).toEqual([pid]);
      expect(findSessionProcesses('bbbb')).toEqual([pid]);
      expect(findSessionProcesses('bbb')).toEqual([]);
    } finally {
      marked.kill('SIGKILL');
    }
  });
});
