import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CheckConfig } from '../config/schema.js';
import type { CheckResult } from '../events/types.js';
import type { Snapshot } from '../store/health.js';
import { parseCheckOutput } from './parsers/index.js';
import { RingBuffer } from '../workers/ring-buffer.js';
import { runSupervised } from '../workers/supervised-process.js';

export type CheckSpec = CheckConfig;

const TAIL_LINES = 40;

/** Identifies a set of checks, so a snapshot is reused only for the same checks. */
export function checksKey(checks: readonly CheckSpec[]): string {
  const digest = createHash('sha256');
  for (const check of checks)
    digest.update(JSON.stringify([check.name, check.command, check.gate, check.parser]));
  return digest.digest('hex').slice(0, 16);
}

export interface RunChecksOptions {
  cwd: string;
  commit: string;
  checks: readonly CheckSpec[];
  /** Folder for one log file per check run. */
  logDir: string;
  logPrefix: string;
  graceMs: number;
  signal?: AbortSignal;
  redact: (line: string) => string;
}

/**
 * Runs every check on the checked-out commit, one after another (they share
 * the working tree), and returns the snapshot. A check passes when it exits 0;
 * later issues parse tool output into counts.
 */
export async function runChecks(options: RunChecksOptions): Promise<Snapshot> {
  const results: CheckResult[] = [];
  for (const check of options.checks) {
    const ring = new RingBuffer({ maxLines: TAIL_LINES, maxBytes: 32 * 1024 });
    const logPath = path.join(options.logDir, `${options.logPrefix}-${check.name}.log`);
    const [command, ...args] = check.command;
    const result = await runSupervised({
      command: command ?? '',
      args,
      cwd: options.cwd,
      env: { ...process.env, CI: '1', FORCE_COLOR: '0', NO_COLOR: '1' },
      timeoutMs: check.timeoutMs,
      graceMs: options.graceMs,
      logPath,
      ring,
      redact: options.redact,
      signal: options.signal,
    });
    const tail = ring.lines();
    const parsed = parseCheckOutput(check.parser, await readOutput(logPath), result.exitCode, {
      cwd: options.cwd,
    });
    if (result.outcome === 'spawn-failed') tail.push(result.spawnError ?? 'the check could not be started');
    if (result.outcome === 'timed-out') tail.push(`timed out after ${check.timeoutMs} ms`);
    results.push({
      name: check.name,
      passed: result.outcome === 'exited' && result.exitCode === 0,
      gate: check.gate,
      parsed,
      exitCode: result.exitCode,
      outcome: result.outcome,
      durationMs: Math.round(result.durationMs),
      tail,
      logPath,
    });
  }
  return {
    commit: options.commit,
    checksKey: checksKey(options.checks),
    passed: results.every((check) => check.passed),
    checks: results,
  };
}

// Parsers read the end of a huge output: summaries and failure lists come last.
const MAX_PARSED_BYTES = 16 * 1024 * 1024;

async function readOutput(logPath: string): Promise<string> {
  try {
    const handle = await fs.promises.open(logPath, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, MAX_PARSED_BYTES);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

/** Gating checks decide whether a candidate merges; every check must pass for green. */
export function gatePassed(snapshot: Snapshot): boolean {
  return snapshot.checks.every((check) => check.passed || !check.gate);
}

/** Checks that could not give a verdict (killed by their timeout, not startable, killed by a signal). */
export function infrastructureFailures(snapshot: Snapshot): CheckResult[] {
  return snapshot.checks.filter(
    (check) => check.gate && !check.passed && (check.outcome !== 'exited' || check.exitCode === null),
  );
}

/** The failing checks' last lines, trimmed, for the next attempt's prompt. */
export function failureDetail(snapshot: Snapshot, maxChars = 4000): string {
  const parts = snapshot.checks
    .filter((check) => !check.passed && check.gate)
    .map(
      (check) =>
        `check "${check.name}" failed (${check.outcome}, exit ${check.exitCode ?? 'none'}):\n${check.tail.join('\n')}`,
    );
  const text = parts.join('\n\n');
  return text.length > maxChars ? `…${text.slice(text.length - maxChars)}` : text;
}
