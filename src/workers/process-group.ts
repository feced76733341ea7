/**
 * Process-group helpers. Every worker leads its own group (spawned detached),
 * so ending a worker means ending the group: an agent's children (test
 * runners, language servers) otherwise outlive it and starve the next run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 25;
/** How long to wait for the kernel to remove a SIGKILLed group. */
const KILL_WAIT_MS = 5000;

export type GroupKillResult = 'exited' | 'terminated' | 'killed';

/**
 * True if any member of the group is running. Zombies count as dead: an
 * orphan reparented to a PID 1 that never reaps (common in containers) stays
 * a zombie forever, yet holds no CPU, memory or pipes.
 */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  // kill(2) also succeeds for zombies, so on Linux look at each member's state.
  if (process.platform !== 'linux') return true;
  return linuxGroupHasLiveMember(pgid);
}

/** True if the process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  if (process.platform === 'linux') {
    const stat = readStat(pid);
    return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * SIGTERM the whole group, give it graceMs to exit, then SIGKILL and wait for
 * it to disappear. Resolves with how the group ended.
 */
export async function killGroup(pgid: number, opts: { graceMs: number }): Promise<GroupKillResult> {
  if (!groupAlive(pgid)) return 'exited';
  signalGroup(pgid, 'SIGTERM');
  if (await waitForGroupExit(pgid, opts.graceMs)) return 'terminated';
  signalGroup(pgid, 'SIGKILL');
  await waitForGroupExit(pgid, KILL_WAIT_MS);
  return 'killed';
}

/** Polls until the group is gone or timeoutMs elapse; true if it is gone. */
export async function waitForGroupExit(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!groupAlive(pgid)) return true;
    if (performance.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

/**
 * Sends a signal to -pgid. Returns false only when the group does not exist
 * (ESRCH); EPERM means it exists but belongs to someone else.
 */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) {
    // -0 and -1 would signal our own group or every process we may signal.
    throw new RangeError(`refusing to signal process group ${pgid}`);
  }
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true;
    throw error;
  }
}

function linuxGroupHasLiveMember(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    // No procfs (hidepid, chroot): kill(2) said the group exists, believe it.
    return true;
  }
  for (const entry of entries) {
    if (!isPid(entry)) continue;
    const stat = readStat(entry);
    if (stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') return true;
  }
  return false;
}

/**
 * Parsed fields of /proc/<pid>/stat, or undefined if the process vanished.
 * `userTicks` and `systemTicks`: the CPU it used, in clock ticks (10 ms:
 * USER_HZ is 100 on every architecture Linux runs on).
 */
export function readStat(
  pid: number | string,
): { state: string; pgrp: number; startTime: string; userTicks: number; systemTicks: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is parenthesised and may itself contain spaces or ')'.
  const afterComm = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = afterComm[0];
  const pgrp = Number(afterComm[2]);
  // Fields 14 and 15: user and system CPU, in clock ticks.
  const userTicks = Number(afterComm[11]);
  const systemTicks = Number(afterComm[12]);
  // Field 22: when the process started, in clock ticks after boot.
  const startTime = afterComm[19] ?? '';
  if (state === undefined || !Number.isInteger(pgrp)) return undefined;
  return { state, pgrp, startTime, userTicks, systemTicks };
}

let bootId: string | undefined;

/**
 * Who a pid is: the boot and the moment it started. A pid is reused after its
 * process ends (or after a reboot); the identity of the new process differs,
 * so a record of the old one never signals it. Undefined without /proc.
 */
export function processIdentity(pid: number): string | undefined {
  const stat = readStat(pid);
  if (!stat?.startTime) return undefined;
  try {
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    bootId = 'unknown-boot';
  }
  return `${bootId}:${stat.startTime}`;
}

function isPid(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return name.length > 0;
}
