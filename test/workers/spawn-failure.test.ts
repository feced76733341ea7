import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSupervised } from '../../src/workers/supervised-process.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaffer-spawn-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('a child that cannot be started', () => {
  it('reports spawn-failed for a command not on PATH, without throwing', async () => {
    const lines: string[] = [];
    const result = await runSupervised({
      command: 'gaffer-no-such-agent-binary',
      args: ['--help'],
      cwd: dir,
      stdinText: 'a prompt nobody will read',
      timeoutMs: 5000,
      logPath: join(dir, 'logs', 'agent.log'),
      onLine: (line) => lines.push(line),
    });
    expect(result.outcome).toBe('spawn-failed');
    expect(result.spawnError).toMatch(/gaffer-no-such-agent-binary/);
    expect(result.spawnError).toMatch(/not found.*PATH/);
    expect(result.exitCode).toBeNull();
    expect(result.lines).toBe(0);
    expect(lines).toEqual([]);
  });

  it('names a missing working directory as the cause', async () => {
    const missing = join(dir, 'no-such-folder');
    const result = await runSupervised({ command: process.execPath, args: ['-e', '0'], cwd: missing });
    expect(result.outcome).toBe('spawn-failed');
    expect(result.spawnError).toContain(`working directory ${missing} does not exist`);
  });

  it('leaves no unhandled rejection behind', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      await runSupervised({ command: 'gaffer-no-such-agent-binary', args: [], cwd: dir });
      // Give any stray rejection a few turns of the event loop to surface.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
