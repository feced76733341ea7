import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupAlive, killGroup, processAlive } from '../../src/workers/process-group.js';
import { scriptedAgentPath } from '../../src/workers/scripted-agent-path.js';
import { runSupervised, type SupervisedResult } from '../../src/workers/supervised-process.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaffer-pg-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the scripted agent and collects the pid of the orphan it announces. */
async function runAgent(prompt: string, opts: { timeoutMs?: number; graceMs?: number }) {
  const orphans: number[] = [];
  const stdout: string[] = [];
  const result: SupervisedResult = await runSupervised({
    command: process.execPath,
    args: [scriptedAgentPath()],
    cwd: dir,
    stdinText: prompt,
    logPath: join(dir, 'agent.log'),
    ...opts,
    onLine: (line, stream) => {
      if (stream === 'stdout') stdout.push(line);
      const match = /^ORPHAN_PID (\d+)$/.exec(line);
      if (match?.[1] !== undefined) orphans.push(Number(match[1]));
    },
  });
  return { result, orphans, stdout };
}

/**
 * The orphans live an hour: one found dead when runSupervised returns was
 * ended by it, not outlived, and a supervisor that waited for it would hang
 * the test, whatever the machine's load.
 */
const ORPHAN = '@spawn-orphan 3600000';
/** A budget meant to run out, yet one that outlasts two node startups on a loaded machine: the agent must be hanging first. */
const BUDGET_MS = 8000;
/** A grace far longer than a group that honours SIGTERM takes to end, even on a loaded machine. */
const LONG_GRACE_MS = 30_000;

describe('timeout ends the whole process group', () => {
  it('kills an agent that ignores SIGTERM and the grandchild it spawned', async () => {
    const { result, orphans, stdout } = await runAgent(`${ORPHAN}\n@hang\n`, {
      timeoutMs: BUDGET_MS,
      graceMs: 300,
    });

    expect(result.outcome).toBe('timed-out');
    expect(result.signal).toBe('SIGKILL'); // SIGTERM was ignored, so the grace ran out
    expect(stdout).toContain('[agent] ignoring SIGTERM');
    expect(orphans).toHaveLength(1);
    const [orphan] = orphans;
    expect(result.pid).toBeTypeOf('number');
    expect(processAlive(result.pid ?? 0)).toBe(false);
    expect(processAlive(orphan ?? 0)).toBe(false);
    expect(groupAlive(result.pid ?? 0)).toBe(false);
  });

  it('ends with SIGTERM alone when the group honours it', async () => {
    const { result, orphans } = await runAgent(`${ORPHAN}\n@sleep 3600000\n`, {
      timeoutMs: BUDGET_MS,
      graceMs: LONG_GRACE_MS,
    });
    expect(result.outcome).toBe('timed-out');
    expect(result.signal).toBe('SIGTERM');
    expect(orphans).toHaveLength(1);
    expect(processAlive(orphans[0] ?? 0)).toBe(false);
    // Had SIGTERM not ended the group, the grace would have run out before the SIGKILL.
    expect(result.durationMs).toBeLessThan(BUDGET_MS + LONG_GRACE_MS);
  });
});

describe('a leader that exits normally', () => {
  it('does not hang on an orphan holding the pipes, and the orphan is ended', async () => {
    const { result, orphans, stdout } = await runAgent(`${ORPHAN}\n@print 2 done\n`, {
      graceMs: 1000,
    });

    expect(result.outcome).toBe('exited');
    expect(result.exitCode).toBe(0);
    expect(stdout).toContain('done 2');
    expect(orphans).toHaveLength(1);
    expect(processAlive(orphans[0] ?? 0)).toBe(false);
    expect(groupAlive(result.pid ?? 0)).toBe(false);
  });

  it('reports the exit code of a leader that fails', async () => {
    const { result } = await runAgent('@exit 7\n', {});
    expect(result.outcome).toBe('exited');
    expect(result.exitCode).toBe(7);
    expect(result.signal).toBeNull();
  });
});

describe('killGroup', () => {
  it('answers exited for a group that no longer exists', async () => {
    const { result } = await runAgent('@exit 0\n', {});
    expect(await killGroup(result.pid ?? 0, { graceMs: 100 })).toBe('exited');
  });
});
