import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CheckConfig } from '../config/schema.js';
import type { CheckResult, Finding } from '../events/types.js';
import type { Snapshot } from '../store/health.js';
import { TEST_PARSERS } from './delta.js';
import { parseCheckOutput, type ParsedCheck } from './parsers/index.js';
import { RingBuffer } from '../workers/ring-buffer.js';
import { runSupervised } from '../workers/supervised-process.js';
import { chaosStep } from '../util/chaos-step.js';

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
 * the working tree), and returns the snapshot. Each check's output is read by
 * the parser its config names; see `judgeCheck` for when a check passes.
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
      onSpawn: () => chaosStep('check'),
    });
    const tail = ring.lines();
    const parsed = parseCheckOutput(check.parser, await readOutput(logPath), result.exitCode, {
      cwd: options.cwd,
    });
    if (parsed.findings) parsed.findings = fingerprintFindings(parsed.findings, options.cwd);
    if (result.outcome === 'spawn-failed') tail.push(result.spawnError ?? 'the check could not be started');
    if (result.outcome === 'timed-out') tail.push(`timed out after ${check.timeoutMs} ms`);
    const judged = judgeCheck(check, result.outcome, result.exitCode, parsed);
    results.push({
      name: check.name,
      passed: judged.passed,
      gate: check.gate,
      parsed,
      ...(judged.unreadable ? { unreadable: true } : {}),
      ...(judged.note ? { note: judged.note } : {}),
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

/** Gating checks decide whether a candidate merges and whether green may move. */
export function gatePassed(snapshot: Snapshot): boolean {
  return snapshot.checks.every((check) => check.passed || !check.gate);
}

/**
 * Checks that could not give a verdict: killed by their timeout or a signal,
 * not startable, or a command the shell could not find or run (126, 127).
 */
export function infrastructureFailures(snapshot: Snapshot): CheckResult[] {
  return snapshot.checks.filter(
    (check) =>
      check.gate &&
      !check.passed &&
      (check.outcome !== 'exited' ||
        check.exitCode === null ||
        check.exitCode === 126 ||
        check.exitCode === 127),
  );
}

/** Gating checks whose output their parser could not read: never verified. */
export function unreadableChecks(snapshot: Snapshot): CheckResult[] {
  return snapshot.checks.filter((check) => check.gate && check.unreadable === true);
}

/**
 * When a check passes. A check whose config names a parser passes only when
 * that parser recognized the output and found no failures: unrecognized
 * output is unreadable (never verified), parsed failures beat exit code 0, and
 * a test run in which no test ran is no pass. A check read by `exit-code`
 * passes when it exits 0.
 */
export function judgeCheck(
  check: CheckSpec,
  outcome: CheckResult['outcome'],
  exitCode: number | null,
  parsed: ParsedCheck,
): { passed: boolean; unreadable: boolean; note?: string } {
  const ran = outcome === 'exited' && exitCode !== null;
  if (!ran) return { passed: false, unreadable: false };
  if (check.parser === 'exit-code') return { passed: exitCode === 0, unreadable: false };
  if (!parsed.recognized) {
    return {
      passed: false,
      unreadable: true,
      note: `the ${check.parser} parser did not recognize the output (exit ${exitCode}): not verified. Check that the command prints ${check.parser}'s own report, or set "parser": "exit-code" to judge by the exit code alone`,
    };
  }
  const isTests = TEST_PARSERS.has(check.parser);
  const failures = isTests
    ? parsed.counts.failed + parsed.counts.errors + (parsed.subtests?.failed ?? 0)
    : parsed.counts.errors;
  if (failures > 0 || (isTests && parsed.failing.length > 0)) {
    return {
      passed: false,
      unreadable: false,
      note:
        exitCode === 0
          ? `it exited 0, but its output reports ${failures || parsed.failing.length} failure(s)`
          : undefined,
    };
  }
  if (isTests && parsed.counts.passed + parsed.counts.failed === 0) {
    return {
      passed: false,
      unreadable: false,
      note: 'no tests ran: a test check that runs nothing verifies nothing',
    };
  }
  return { passed: exitCode === 0, unreadable: false };
}

/**
 * Gives each finding a fingerprint of its rule, message and the text of its
 * source line (whitespace folded), read from the checked-out files: the same
 * finding keeps its identity when lines above it are added or removed.
 */
export function fingerprintFindings(findings: readonly Finding[], cwd: string): Finding[] {
  const files = new Map<string, string[] | undefined>();
  const lineOf = (file: string, line: number): string => {
    if (!files.has(file)) {
      try {
        files.set(file, fs.readFileSync(path.resolve(cwd, file), 'utf8').split(/\r?\n/));
      } catch {
        files.set(file, undefined);
      }
    }
    return files.get(file)?.[line - 1] ?? '';
  };
  return findings.map((finding) => {
    const source = lineOf(finding.file, finding.line).trim().replace(/\s+/g, ' ');
    const message = finding.message.trim().replace(/\s+/g, ' ');
    const fingerprint = createHash('sha256')
      .update(`${finding.rule}\0${message}\0${source}`)
      .digest('hex')
      .slice(0, 16);
    return { ...finding, fingerprint };
  });
}
