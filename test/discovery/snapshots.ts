import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckSchema } from '../../src/config/schema.js';
import type { CheckResult } from '../../src/events/types.js';
import { judgeCheck } from '../../src/health/run-checks.js';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import type { ParserName } from '../../src/health/parsers/types.js';
import type { Snapshot } from '../../src/store/health.js';
import { loadFixture } from '../health/fixtures.js';

/** A folder for check logs, removed by the returned function. */
export function logFolder(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gaffer-discovery-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A check result as the check runner makes it, from a captured real output
 * (test/fixtures/health): the output becomes the check's log, its parser
 * reads it, and judgeCheck decides whether it passed.
 */
export function fixtureCheck(
  logDir: string,
  spec: { name: string; parser: ParserName; fixture: string; gate?: boolean },
): CheckResult {
  const fixture = loadFixture(spec.fixture);
  return outputCheck(logDir, {
    ...spec,
    output: fixture.output,
    exitCode: fixture.exitCode,
    cwd: fixture.cwd,
  });
}

/** A check result from output given here: for exit-code checks and hand-written logs. */
export function outputCheck(
  logDir: string,
  spec: { name: string; parser: ParserName; output: string; exitCode: number; gate?: boolean; cwd?: string },
): CheckResult {
  const config = CheckSchema.parse({
    name: spec.name,
    command: ['true'],
    parser: spec.parser,
    gate: spec.gate,
  });
  const logPath = path.join(logDir, `${spec.name}.log`);
  writeFileSync(logPath, spec.output);
  const parsed = parseCheckOutput(spec.parser, spec.output, spec.exitCode, { cwd: spec.cwd });
  const judged = judgeCheck(config, 'exited', spec.exitCode, parsed);
  return {
    name: spec.name,
    passed: judged.passed,
    gate: config.gate,
    parsed,
    ...(judged.unreadable ? { unreadable: true } : {}),
    ...(judged.note ? { note: judged.note } : {}),
    exitCode: spec.exitCode,
    outcome: 'exited',
    durationMs: 10,
    tail: spec.output.split('\n').slice(-40),
    logPath,
  };
}

export function snapshotOf(commit: string, checks: CheckResult[]): Snapshot {
  return { commit, checksKey: 'checks', passed: checks.every((check) => check.passed), checks };
}
