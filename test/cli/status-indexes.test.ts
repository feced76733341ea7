import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databasePath } from '../../src/state-dir.js';
import { migrations } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';
import { makeTempDir, removeTempDir, runCli } from '../helpers/cli.js';

/**
 * Migration 7 adds indexes for `gaffer status` on big runs (a run's attempts,
 * merge requests, snapshots and green events). A database written before it
 * must read the same after it: the indexes change how rows are found, never
 * which rows or in what order.
 */

const STATUS_INDEXES = [
  'attempts_by_run',
  'merge_requests_by_run',
  'merge_requests_by_attempt',
  'health_by_run',
  'events_by_run_type',
];

let dir: string;
let stateDir: string;
beforeEach(() => {
  dir = makeTempDir();
  stateDir = path.join(dir, 'state');
});
afterEach(() => removeTempDir(dir));

/** Two runs, the second with units that merged, were rejected, still run, and snapshots with failures. */
function writeRuns(file: string): void {
  const store = Store.open(file);
  try {
    for (const runNumber of [1, 2]) {
      const runId = store.runs.create({
        planName: `plan-${runNumber}`,
        planHash: 'hash',
        repo: dir,
        configJson: JSON.stringify({ branches: { green: 'gaffer/green' } }),
        maxRounds: 3,
      });
      store.runs.startRound(runId, 1);
      for (const [index, unitId] of ['alpha', 'beta', 'gamma', 'delta'].entries()) {
        store.units.insert(runId, {
          id: unitId,
          title: unitId,
          prompt: `do ${unitId}`,
          dependsOn: index === 0 ? [] : ['alpha'],
          specJson: '{}',
        });
        for (let number = 1; number <= 2; number += 1) {
          const attemptId = store.attempts.start({
            runId,
            unitId,
            number,
            round: 1,
            branch: `gaffer/run-${runId}/${unitId}/${number}`,
            worktree: dir,
            baseCommit: 'a'.repeat(40),
            logPath: path.join(dir, `${unitId}-${number}.log`),
          });
          if (unitId === 'delta' && number === 2) continue; // still running
          store.attempts.end(attemptId, {
            outcome: 'handed-off',
            exitCode: 0,
            signal: null,
            handoff: 'valid',
            handoffJson: null,
            commits: 1,
            reason: `attempt ${number} of ${unitId} handed off`,
            usage: { inputTokens: 100 * number, outputTokens: 10, cachedTokens: 0, costUsd: 0.01 },
          });
          const mergeId = store.merges.enqueue({ runId, unitId, attemptId, branch: `b-${attemptId}` });
          store.merges.move(mergeId, 'queued', 'rebasing');
          store.merges.move(mergeId, 'rebasing', 'verifying', {
            candidate: `${attemptId}`.padStart(40, 'c'),
          });
          if (number === 1)
            store.merges.move(mergeId, 'verifying', 'rejected', {
              reject_class: 'red',
              detail: 'check "test" (exit 1): 1 failed',
            });
          else
            store.merges.move(mergeId, 'verifying', 'merged', {
              merged_commit: `${attemptId}`.padStart(40, 'd'),
            });
        }
      }
      const checks = (failing: string[]): Parameters<typeof store.health.insert>[3]['checks'] => [
        {
          name: 'test',
          passed: failing.length === 0,
          gate: true,
          exitCode: failing.length === 0 ? 0 : 1,
          outcome: 'exited',
          durationMs: 10,
          tail: [],
          logPath: path.join(dir, 'test.log'),
          parsed: {
            parser: 'vitest',
            recognized: true,
            counts: { passed: 5, failed: failing.length, errors: 0, warnings: 0, skipped: 0 },
            failing,
          },
        },
      ];
      store.health.insert(runId, null, 'baseline', {
        commit: 'b'.repeat(40),
        checksKey: 'k',
        passed: true,
        checks: checks([]),
      });
      // The newest merge (gamma's second attempt) brought the failure: status attributes it.
      const merged = store.merges.forRun(runId).filter((merge) => merge.status === 'merged');
      store.health.insert(runId, 1, 'round', {
        commit: merged.at(-1)?.merged_commit ?? '',
        checksKey: 'k',
        passed: false,
        checks: checks(['suite > breaks']),
      });
    }
  } finally {
    store.close();
  }
}

function indexNames(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]
    ).map((row) => row.name);
  } finally {
    db.close();
  }
}

/** Migration 8's indexes (test/cli/status-overview.test.ts): a version-6 database has none of them either. */
const OVERVIEW_INDEXES = [
  'units_by_run_status',
  'merge_requests_by_run_status',
  'merge_requests_by_commit',
  'attempts_spend_by_run',
];
/** Migration 9's: a dependency's merged attempt, read at each launch. */
const LAUNCH_INDEXES = ['merge_requests_by_unit'];

/** The database as gaffer before migration 7 left it: its schema version and none of the indexes. */
function downgradeToVersion6(file: string): void {
  const db = new Database(file);
  try {
    for (const name of [...STATUS_INDEXES, ...OVERVIEW_INDEXES, ...LAUNCH_INDEXES])
      db.exec(`DROP INDEX ${name}`);
    db.pragma('user_version = 6');
  } finally {
    db.close();
  }
}

async function statusOutputs(): Promise<{ text: string; json: string }> {
  const text = await runCli(['status', '--state', stateDir], { env: { COLUMNS: '90' } });
  const json = await runCli(['status', '--state', stateDir, '--json']);
  expect(text.exitCode).toBe(0);
  expect(json.exitCode).toBe(0);
  return { text: text.stdout, json: json.stdout };
}

describe('the status indexes (migration 7)', () => {
  it('are added to a database written before them, which gaffer status then reads exactly as before', async () => {
    expect(migrations.length).toBeGreaterThanOrEqual(7);
    const file = databasePath(stateDir);
    fs.mkdirSync(stateDir, { recursive: true });
    writeRuns(file);
    downgradeToVersion6(file);
    expect(indexNames(file)).not.toContain('attempts_by_run');

    const before = await statusOutputs();
    expect(before.text).toContain('run #2 of plan "plan-2"');
    expect(before.text).toContain('#1 rejected (red)');
    expect(before.text).toContain("first seen with unit gamma's merge");

    Store.open(file).close(); // a writer brings the schema up to date
    expect(indexNames(file)).toEqual(expect.arrayContaining(STATUS_INDEXES));
    const after = await statusOutputs();
    expect(after.text).toBe(before.text);
    expect(after.json).toBe(before.json);
  });

  it("are what status's queries of a run's rows use: no scan of a whole table", () => {
    const file = databasePath(stateDir);
    fs.mkdirSync(stateDir, { recursive: true });
    writeRuns(file);
    const db = new Database(file, { readonly: true });
    try {
      const queries = [
        'SELECT id FROM attempts WHERE run_id = 2 ORDER BY id',
        'SELECT id FROM merge_requests WHERE run_id = 2 ORDER BY id',
        'SELECT id FROM merge_requests WHERE attempt_id = 3 ORDER BY id',
        'SELECT * FROM (SELECT * FROM health_snapshots WHERE run_id = 2 ORDER BY id DESC LIMIT 200) ORDER BY id',
        "SELECT * FROM events WHERE run_id = 2 AND type IN ('branch:promoted', 'branch:held') ORDER BY seq DESC LIMIT 20",
      ];
      for (const sql of queries) {
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[])
          .map((row) => row.detail)
          .join(' | ');
        expect(plan, sql).toMatch(/USING (COVERING )?INDEX/);
        expect(plan, sql).not.toMatch(/^SCAN (attempts|merge_requests|health_snapshots|events)\b/m);
      }
    } finally {
      db.close();
    }
  });
});
