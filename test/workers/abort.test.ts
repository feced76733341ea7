import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupAlive, processAlive } from '../../src/workers/process-group.js';
import { scriptedAgentPath } from '../../src/workers/scripted-agent-path.js';
import { runSupervised } from '../../src/workers/supervised-process.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaffer-abort-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('abort ends the whole process group', () => {
  it('kills a hanging agent and its orphan once the signal fires', async () => {
    const controller = new AbortController();
    const orphans: number[] = [];
    let spawnedPid: number | undefined;
    const run = runSupervised({
      command: process.execPath,
      args: [scriptedAgentPath()],
      cwd: dir,
      stdinText: '@spawn-orphan 60000\n@hang\n',
      graceMs: 300,
      signal: controller.signal,
      onSpawn: (pid) => {
        spawnedPid = pid;
      },
      onLine: (line) => {
        const match = /^ORPHAN_PID (\d+)$/.exec(line);
        if (match?.[1] !== undefined) orphans.push(Number(match[1]));
        // Abort only once the agent is known to be hanging with its orphan.
        if (line === '[agent] hanging') controller.abort();
      },
    });
    const result = await run;

    expect(result.outcome).toBe('killed');
    expect(result.exitCode).toBeNull();
    expect(spawnedPid).toBe(result.pid);
    expect(orphans).toHaveLength(1);
    expect(processAlive(result.pid ?? 0)).toBe(false);
    expect(processAlive(orphans[0] ?? 0)).toBe(false);
    expect(groupAlive(result.pid ?? 0)).toBe(false);
  });

  it('does not start anything when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    let spawned = false;
    const result = await runSupervised({
      command: process.execPath,
      args: [scriptedAgentPath()],
      cwd: dir,
      stdinText: '@hang\n',
      signal: controller.signal,
      onSpawn: () => {
        spawned = true;
      },
    });
    expect(result.outcome).toBe('killed');
    expect(spawned).toBe(false);
  });

  it('an abort after a normal exit changes nothing', async () => {
    const controller = new AbortController();
    const result = await runSupervised({
      command: process.execPath,
      args: ['-e', 'process.exit(3)'],
      cwd: dir,
      signal: controller.signal,
    });
    controller.abort();
    expect(result.outcome).toBe('exited');
    expect(result.exitCode).toBe(3);
  });
});
