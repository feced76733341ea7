import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databasePath } from '../../src/state-dir.js';
import { formatStatus, readStatus } from '../../src/status.js';
import { Store } from '../../src/store/store.js';
import { makeTempDir, removeTempDir, runCli } from '../helpers/cli.js';

/**
 * `gaffer status` on a run of over 50 units prints an overview: counts by
 * state, then the units that need the operator (20 a group, the rest counted
 * with the flag that lists them); `--all` is the full listing as it always
 * was; a run of up to 50 units keeps the full listing.
 */

let dir: string;
let stateDir: string;
let file: string;
beforeEach(() => {
  dir = makeTempDir();
  stateDir = path.join(dir, 'state');
  fs.mkdirSync(stateDir, { recursive: true });
  file = databasePath(stateDir);
});
afterEach(() => removeTempDir(dir));

type Status = 'done' | 'failed' | 'blocked' | 'running' | 'merging' | 'pending';

/** A unit of the written run: its status and how many attempts it had (a pending one with some is retrying). */
interface UnitPlan {
  status: Status;
  attempts: number;
}

const unitId = (index: number): string => `u-${String(index).padStart(3, '0')}`;

/**
 * A run with the units of `plan`, in order, written through the store's own
 * inserts and plain SQL for the statuses (a real file, the real schema).
 * Every attempt reached the queue: a done unit's last merged, every other
 * attempt's was rejected (red) with a detail naming the unit.
 */
function writeRun(plan: readonly UnitPlan[]): number {
  const store = Store.open(file);
  try {
    const runId = store.runs.create({
      planName: 'big',
      planHash: 'hash',
      repo: dir,
      configJson: JSON.stringify({ branches: { green: 'gaffer/green' } }),
      maxRounds: 3,
    });
    store.runs.startRound(runId, 1);
    store.transaction(() => {
      plan.forEach((unit, index) => {
        const id = unitId(index);
        store.units.insert(runId, { id, title: id, prompt: `do ${id}`, dependsOn: [], specJson: '{}' });
        for (let number = 1; number <= unit.attempts; number += 1) {
          const attemptId = store.attempts.start({
            runId,
            unitId: id,
            number,
            round: 1,
            branch: `b-${id}-${number}`,
            worktree: dir,
            baseCommit: 'a'.repeat(40),
            logPath: path.join(dir, `${id}-${number}.log`),
          });
          const stillRunning = unit.status === 'running' && number === unit.attempts;
          if (stillRunning) continue;
          store.attempts.end(attemptId, {
            outcome: 'handed-off',
            exitCode: 0,
            signal: null,
            handoff: 'valid',
            handoffJson: null,
            commits: 1,
            reason: `attempt ${number} of ${id} handed off`,
            usage: { inputTokens: 100, outputTokens: 10, cachedTokens: 0, costUsd: 0.01 },
          });
          const mergeId = store.merges.enqueue({ runId, unitId: id, attemptId, branch: `b-${attemptId}` });
          if (unit.status === 'merging' && number === unit.attempts) continue; // waits in the queue
          store.merges.move(mergeId, 'queued', 'rebasing');
          store.merges.move(mergeId, 'rebasing', 'verifying', {
            candidate: `${attemptId}`.padStart(40, 'c'),
          });
          if (unit.status === 'done' && number === unit.attempts)
            store.merges.move(mergeId, 'verifying', 'merged', {
              merged_commit: `${attemptId}`.padStart(40, 'd'),
            });
          else
            store.merges.move(mergeId, 'verifying', 'rejected', {
              reject_class: 'red',
              detail: `check "test" (exit 1): ${id} breaks suite > case`,
            });
        }
        const reason = unit.status === 'failed' ? `no attempts left for ${id}` : '';
        store.db
          .prepare('UPDATE units SET status = ?, attempts = ?, reason = ? WHERE run_id = ? AND id = ?')
          .run(unit.status, unit.attempts, reason, runId, id);
      });
    });
    return runId;
  } finally {
    store.close();
  }
}

/** The mixed run the overview is read on: 120 units. */
function bigRun(): UnitPlan[] {
  return [
    ...Array.from({ length: 70 }, (): UnitPlan => ({ status: 'done', attempts: 1 })),
    ...Array.from({ length: 25 }, (): UnitPlan => ({ status: 'failed', attempts: 2 })),
    ...Array.from({ length: 4 }, (): UnitPlan => ({ status: 'blocked', attempts: 0 })),
    ...Array.from({ length: 3 }, (): UnitPlan => ({ status: 'running', attempts: 1 })),
    ...Array.from({ length: 2 }, (): UnitPlan => ({ status: 'merging', attempts: 1 })),
    ...Array.from({ length: 6 }, (): UnitPlan => ({ status: 'pending', attempts: 1 })),
    ...Array.from({ length: 10 }, (): UnitPlan => ({ status: 'pending', attempts: 0 })),
  ];
}

async function status(...flags: string[]): Promise<string> {
  const result = await runCli(['status', '--state', stateDir, ...flags], { env: { COLUMNS: '100' } });
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  return result.stdout;
}

/** The lines of `group`'s section: from its heading to the next blank line. */
function section(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(heading));
  expect(start, `no "${heading}" section in:\n${text}`).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf('', start);
  return lines.slice(start, end === -1 ? undefined : end);
}

/** Unit ids that head a unit's block in `lines`. */
function unitsListed(lines: readonly string[]): string[] {
  return lines.flatMap((line) => /^ {2}(u-\d{3}) /.exec(line)?.[1] ?? []);
}

describe('gaffer status on a run of over 50 units', () => {
  it('counts units, attempts and requests by state, and lists the units that need the operator, 20 a group', async () => {
    writeRun(bigRun());
    const text = await status();

    expect(text).toContain(
      'units: 120 (16 pending (6 retrying), 3 running, 2 merging, 70 done, 25 failed, 4 blocked)',
    );
    // 70 + 50 + 3 + 2 + 6 attempts; each ended one queued, the running ones not: 128 requests.
    expect(text).toContain(
      'attempts: 131; merge requests: 128 (70 merged, 56 rejected: 56 red, 2 in the queue)',
    );
    expect(text).toContain('`gaffer status --all`');

    const failed = section(text, 'failed (25)');
    expect(unitsListed(failed)).toEqual(Array.from({ length: 20 }, (_, index) => unitId(70 + index)));
    expect(failed.at(-1)).toBe('  … and 5 more: gaffer status --all');
    // Each listed as the full listing shows it: its reason, its attempts and the queue's verdicts.
    expect(failed.join('\n')).toContain('no attempts left for u-070');
    expect(failed.join('\n')).toContain('merge #');
    expect(failed.join('\n')).toContain('rejected (red): check "test" (exit 1): u-070 breaks suite > case');

    expect(unitsListed(section(text, 'blocked (4)'))).toEqual(['u-095', 'u-096', 'u-097', 'u-098']);
    expect(unitsListed(section(text, 'running (3)'))).toEqual(['u-099', 'u-100', 'u-101']);
    expect(unitsListed(section(text, 'merging (2)'))).toEqual(['u-102', 'u-103']);
    // Retrying: pending after an attempt; the ten waiting for their first are only counted.
    expect(unitsListed(section(text, 'retrying (6)'))).toEqual(
      Array.from({ length: 6 }, (_, index) => unitId(104 + index)),
    );
    expect(text).not.toMatch(/^ {2}u-000 /m);
    expect(text).not.toMatch(/^ {2}u-110 /m);
    expect(section(text, 'merge queue (2 waiting)')).toHaveLength(3);
    expect(text).toContain('green (gaffer/green)');
    expect(text).toContain('health');
    expect(text.split('\n').length).toBeLessThan(250);
  });

  it('says so when no unit needs the operator', async () => {
    writeRun(Array.from({ length: 60 }, (): UnitPlan => ({ status: 'done', attempts: 1 })));
    const text = await status();
    expect(text).toContain('units: 60 (60 done)');
    expect(text).toContain('no unit needs you: none failed, blocked, killed, retrying or in flight');
    expect(text).not.toMatch(/^ {2}u-\d{3} /m);
  });

  it('prints the full listing with --all, exactly as status always printed it', async () => {
    const runId = writeRun(bigRun());
    const all = await status('--all');
    const store = Store.open(file, { readonly: true });
    try {
      const report = readStatus(store, runId);
      // execa drops the one trailing newline printLine adds.
      expect(all).toBe(formatStatus(report ?? expect.fail('no report'), { width: 100 }));
    } finally {
      store.close();
    }
    expect(unitsListed(all.split('\n'))).toHaveLength(120);
    const json = JSON.parse(await status('--json')) as { units: unknown[]; mergeQueue: unknown[] };
    expect(json.units).toHaveLength(120);
    expect(json.mergeQueue).toHaveLength(128);
  });

  it('reads the same overview from a database without the indexes of migration 8 (status cannot add them)', async () => {
    writeRun(bigRun());
    const indexed = await status();
    const db = new Database(file);
    try {
      for (const name of [
        'units_by_run_status',
        'merge_requests_by_run_status',
        'merge_requests_by_commit',
        'attempts_spend_by_run',
      ])
        db.exec(`DROP INDEX ${name}`);
      db.pragma('user_version = 7');
    } finally {
      db.close();
    }
    expect(await status()).toBe(indexed);
  });

  it("answers the overview's queries from indexes, never a scan of the run's rows", () => {
    const runId = writeRun(bigRun());
    const db = new Database(file, { readonly: true });
    try {
      const queries = [
        `SELECT status, COUNT(*) AS count FROM units WHERE run_id = ${runId} GROUP BY status`,
        `SELECT id FROM units WHERE run_id = ${runId} AND status = 'failed' ORDER BY rowid LIMIT 20`,
        `SELECT id FROM attempts WHERE run_id = ${runId} AND unit_id = 'u-070' ORDER BY number`,
        `SELECT status, reject_class, COUNT(*) FROM merge_requests WHERE run_id = ${runId} GROUP BY status, reject_class`,
        `SELECT id FROM merge_requests WHERE run_id = ${runId} AND status IN ('queued', 'rebasing', 'verifying') ORDER BY +id LIMIT 20`,
        `SELECT m.id FROM merge_requests m WHERE m.merged_commit IN (SELECT value FROM json_each('["x"]')) AND m.run_id = ${runId} AND m.status = 'merged' ORDER BY +m.id`,
        `SELECT SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens), SUM(cost_usd) FROM attempts WHERE run_id = ${runId}`,
      ];
      for (const sql of queries) {
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[])
          .map((row) => row.detail)
          .join(' | ');
        expect(plan, sql).toMatch(
          /(units_by_run_status|merge_requests_by_run_status|merge_requests_by_commit|attempts_spend_by_run|sqlite_autoindex_attempts_1)/,
        );
        expect(plan, sql).not.toMatch(/USING INDEX (attempts_by_run|merge_requests_by_run) /);
      }
    } finally {
      db.close();
    }
  });
});

describe('gaffer status on a run of up to 50 units', () => {
  it('keeps the full listing: the same as --all, every unit shown', async () => {
    writeRun(bigRun().slice(60, 110));
    const text = await status();
    expect(text).toBe(await status('--all'));
    expect(unitsListed(text.split('\n'))).toHaveLength(50);
    expect(text).not.toContain('gaffer status --all');
  });

  it('switches to the overview at the 51st unit', async () => {
    writeRun(bigRun().slice(60, 111));
    const text = await status();
    expect(text).toContain('units: 51 (');
    expect(text).not.toBe(await status('--all'));
  });
});
