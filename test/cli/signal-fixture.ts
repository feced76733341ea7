import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { expect } from 'vitest';
import { processAlive } from '../../src/workers/process-group.js';
import {
  findSessionProcesses,
  PROCESS_MARK_VARIABLE,
  sessionOfMark,
} from '../../src/workers/process-marks.js';
import { CLI_PATH, runCli, type Sandbox } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Signal tests for `gaffer run`: the built CLI runs one scripted agent that
 * starts a setsid orphan (out of reach of a process-group kill) and hangs,
 * ignoring SIGTERM. The test signals gaffer and checks what is left.
 */

export interface LiveGaffer {
  child: ChildProcessByStdio<null, Readable, Readable>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  stdout(): string;
}

/** A plan whose only unit starts a setsid orphan (pid written to pidFile) and then hangs. */
export function orphanThenHang(sandbox: Sandbox, pidFile: string, killGraceMs: number): void {
  sandbox.writeConfig({ killGraceMs, checks: [{ name: 'noop', command: ['true'] }] });
  sandbox.writePlan({
    name: 'signals',
    units: [{ id: 'stuck', title: 'hangs', prompt: `@setsid-orphan 120000 ${pidFile}\n@hang` }],
  });
}

/** `gaffer run --headless` with pipes we can read and close. */
export function startGaffer(sandbox: Sandbox): LiveGaffer {
  const child = spawn(process.execPath, [CLI_PATH, 'run', '--config', sandbox.configPath, '--headless'], {
    cwd: sandbox.root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_CEILING_DIRECTORIES: os.tmpdir(), GAFFER_DEBUG: undefined, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, stderr: () => stderr, stdout: () => stdout };
}

/**
 * Waits for the orphan's pid file, then reads the session of the mark it
 * carries: every process gaffer's children started carries one of that session.
 */
export async function waitForOrphan(pidFile: string): Promise<{ pid: number; session: string }> {
  const pid = await waitFor('the orphan pid file', () =>
    existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined,
  );
  const environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
  const value = environ.find((entry) => entry.startsWith(`${PROCESS_MARK_VARIABLE}=`));
  const mark = value
    ?.slice(PROCESS_MARK_VARIABLE.length + 1)
    .split(' ')
    .pop();
  if (mark === undefined) throw new Error(`the orphan ${pid} carries no ${PROCESS_MARK_VARIABLE}`);
  const session = sessionOfMark(mark);
  // The agent and its orphan, both marked; the orphan in a session of its own.
  expect(findSessionProcesses(session).length).toBeGreaterThanOrEqual(2);
  expect(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[3]).toBe(String(pid));
  return { pid, session };
}

/** Nothing carrying the session's mark is running: polled, since SIGKILL is delivered asynchronously. */
export async function expectNothingLeft(orphan: { pid: number; session: string }): Promise<void> {
  await waitFor('every marked process to end', () =>
    findSessionProcesses(orphan.session).length === 0 && !processAlive(orphan.pid) ? true : undefined,
  );
}

/** Kills what a failed test left behind, so one failure does not leak a 120 s orphan. */
export function killLeftovers(orphan: { pid: number; session: string } | undefined): void {
  if (orphan === undefined) return;
  for (const pid of [orphan.pid, ...findSessionProcesses(orphan.session)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export interface StatusJson {
  run: { id: number; status: string };
  units: { id: string; status: string; attempts: { number: number; outcome: string }[] }[];
}

export async function statusJson(sandbox: Sandbox): Promise<StatusJson> {
  const status = await runCli(['status', '--config', sandbox.configPath, '--json']);
  expect(status.exitCode, status.stderr).toBe(0);
  return JSON.parse(status.stdout) as StatusJson;
}

export function orphanPidFile(sandbox: Sandbox): string {
  return path.join(sandbox.root, 'orphan.pid');
}
