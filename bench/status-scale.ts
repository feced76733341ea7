/**
 * status-scale: `gaffer status` on a big state database. One run of 10,000
 * units and 30,000 attempts (with merge requests, branch tips, events and
 * health snapshots in the proportions a long mission leaves, and an earlier
 * smaller run beside it) is written in one transaction, untimed. Then, side by
 * side in one run, each a fresh process:
 *
 *   status     `node dist/src/cli.js status --state <dir>` (text: the overview of
 *              a big run), and with --json (every unit, attempt and request)
 *   read       a plain node script: better-sqlite3 opens the same file and prints
 *              what the overview shows: units, attempts and merge requests counted
 *              by state in SQL, and the first 20 units of each group that needs the
 *              operator with their attempts and merge verdicts: the floor of reading it
 *   node       `node -e 0`: process start-up alone
 *
 * One unit in a thousand failed (the last among them, its reason the proof that
 * status read it) and one in 200 is blocked (50: a group status caps at 20).
 * Both sides are checked: status's counts equal what was written and it shows
 * the last unit's reason and the cap; --json names every unit; the read script's
 * counts equal what was written. Times are medians.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { databasePath } from '../src/state-dir.js';
import { FULL_LISTING_UNITS } from '../src/status-overview.js';
import { Store } from '../src/store/store.js';
import {
  BenchFailure,
  checkFlags,
  cleanup,
  gafferCli,
  intFlag,
  makeTempDir,
  median,
  packageRoot,
  requireSuccess,
  timedRun,
  type Benchmark,
} from './lib.js';

interface Shape {
  units: number;
  attemptsPerUnit: number;
}

/** The status the benchmark expects of the last unit's last attempt: proof the CLI read everything. */
const LAST_REASON = (units: number): string => `scale-reason-${units - 1}-end`;

/** The units that failed (the last unit among them) and were blocked; the rest are done. */
const isFailed = (index: number, units: number): boolean => index % 1000 === 999 || index === units - 1;
const isBlocked = (index: number): boolean => index % 200 === 6;

function unitStatusOf(index: number, units: number): 'failed' | 'blocked' | 'done' {
  return isFailed(index, units) ? 'failed' : isBlocked(index) ? 'blocked' : 'done';
}

/** How many units of each status a run of `units` holds. */
function expectedCounts(units: number): Record<'done' | 'failed' | 'blocked', number> {
  const counts = { done: 0, failed: 0, blocked: 0 };
  for (let index = 0; index < units; index += 1) counts[unitStatusOf(index, units)] += 1;
  return counts;
}

function unitId(index: number): string {
  return `unit-${String(index).padStart(5, '0')}`;
}

/** A snapshot's checks as the health runner stores them: a test runner with named failures and a linter. */
function checksJson(failing: number): string {
  return JSON.stringify([
    {
      name: 'test',
      passed: failing === 0,
      gate: true,
      exitCode: failing === 0 ? 0 : 1,
      outcome: 'exited',
      durationMs: 4200,
      tail: Array.from({ length: 10 }, (_, index) => `test output line ${index}`),
      logPath: '/tmp/checks/test.log',
      parsed: {
        parser: 'vitest',
        recognized: true,
        counts: { passed: 900 - failing, failed: failing, errors: 0, warnings: 0, skipped: 3 },
        failing: Array.from({ length: failing }, (_, index) => `suite > case ${index}`),
      },
    },
    {
      name: 'lint',
      passed: true,
      gate: true,
      exitCode: 0,
      outcome: 'exited',
      durationMs: 1800,
      tail: [],
      logPath: '/tmp/checks/lint.log',
      parsed: {
        parser: 'eslint',
        recognized: true,
        counts: { passed: 0, failed: 0, errors: 0, warnings: 2, skipped: 0 },
        failing: [],
      },
    },
  ]);
}

/**
 * Writes one run of `shape` (after an earlier run a tenth its size) into a
 * new state database, with the real schema (Store.open migrates) and plain
 * inserts in one transaction. Returns the run's id.
 */
export function buildDatabase(file: string, shape: Shape): number {
  const store = Store.open(file);
  const db = store.db;
  const at = '2026-01-01T00:00:00.000Z';
  const insert = {
    run: db.prepare(
      `INSERT INTO runs (plan_name, plan_hash, repo, config_json, status, reason, max_rounds, started_at, ended_at)
         VALUES (?, 'hash', '/repo', ?, 'completed', 'every unit finished', 10, ?, ?)`,
    ),
    round: db.prepare('INSERT INTO rounds (run_id, number, started_at, ended_at) VALUES (?, ?, ?, ?)'),
    unit: db.prepare(
      `INSERT INTO units (run_id, id, title, prompt, status, strikes, attempts, last_round, reason, spec_json, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    dep: db.prepare('INSERT INTO unit_deps (run_id, unit_id, depends_on) VALUES (?, ?, ?)'),
    attempt: db.prepare(
      `INSERT INTO attempts (run_id, unit_id, number, round, branch, worktree, base_commit, head_commit, log_path,
         outcome, exit_code, handoff, commits, reason, started_at, ended_at, input_tokens, output_tokens, cost_usd)
         VALUES (?, ?, ?, ?, ?, '/slots/1', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    merge: db.prepare(
      `INSERT INTO merge_requests (run_id, unit_id, attempt_id, branch, status, reject_class, detail, target_before,
         candidate, merged_commit, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    tip: db.prepare(
      `INSERT INTO branch_tips (run_id, branch, role, sha, state, reason, at) VALUES (?, ?, ?, ?, 'written', ?, ?)`,
    ),
    snapshot: db.prepare(
      `INSERT INTO health_snapshots (run_id, round, commit_sha, checks_key, label, passed, checks_json, taken_at)
         VALUES (?, ?, ?, 'checks-v1', ?, ?, ?, ?)`,
    ),
    event: db.prepare('INSERT INTO events (run_id, at, type, payload) VALUES (?, ?, ?, ?)'),
  };
  const sha = (n: number): string => n.toString(16).padStart(40, '0');
  const config = JSON.stringify({ branches: { working: 'gaffer/working', green: 'gaffer/green' } });
  let commit = 1;
  const writeRun = (units: number, reasonOf: (unit: number, attempt: number) => string): number => {
    const runId = Number(insert.run.run('scale', config, at, at).lastInsertRowid);
    for (let round = 1; round <= 10; round += 1) insert.round.run(runId, round, at, at);
    const passing = checksJson(0);
    const failing = checksJson(12);
    insert.snapshot.run(runId, null, sha(commit), 'baseline', 1, passing, at);
    for (let index = 0; index < units; index += 1) {
      const id = unitId(index);
      const round = 1 + Math.floor((index * 10) / units);
      const prompt = `Implement part ${index} of the module; keep the tests green. `.repeat(4);
      const status = unitStatusOf(index, units);
      insert.unit.run(
        runId,
        id,
        `Part ${index}`,
        prompt,
        status,
        2,
        shape.attemptsPerUnit,
        round,
        status === 'failed'
          ? `no attempts left: ${reasonOf(index, shape.attemptsPerUnit)}`
          : status === 'blocked'
            ? 'a dependency failed'
            : '',
        '{}',
        at,
      );
      for (let back = 1; back <= 2 && index - back * 7 >= 0; back += 1)
        insert.dep.run(runId, id, unitId(index - back * 7));
      for (let number = 1; number <= shape.attemptsPerUnit; number += 1) {
        // A failed unit's last attempt was rejected too; a blocked unit's work merged before its dependency failed.
        const last = number === shape.attemptsPerUnit && status !== 'failed';
        const attemptId = Number(
          insert.attempt.run(
            runId,
            id,
            number,
            round,
            `gaffer/run-${runId}/${id}/attempt-${number}`,
            sha(commit),
            sha(commit + 1),
            `/state/logs/${id}-${number}.log`,
            'succeeded',
            0,
            'valid',
            1,
            reasonOf(index, number),
            at,
            at,
            12000,
            3400,
            0.05,
          ).lastInsertRowid,
        );
        // Each attempt's work reached the queue: the earlier ones were rejected (red), the last merged.
        commit += 2;
        insert.merge.run(
          runId,
          id,
          attemptId,
          `gaffer/run-${runId}/${id}/attempt-${number}`,
          last ? 'merged' : 'rejected',
          last ? null : 'red',
          last ? '' : 'check "test" (exit 1): 3 tests failed\n\nthis change breaks test: suite > case 1',
          sha(commit - 1),
          sha(commit),
          last ? sha(commit) : null,
          at,
          at,
        );
        for (const type of [
          'unit:started',
          'attempt:started',
          'attempt:ended',
          'merge:queued',
          'merge:verified',
        ])
          insert.event.run(runId, at, type, JSON.stringify({ runId, unitId: id, attempt: number }));
        if (last) {
          insert.tip.run(runId, 'gaffer/working', 'working', sha(commit), `merged ${id}`, at);
          // A snapshot of the working branch every 5 merges (targets and round ends), a candidate's for each.
          insert.snapshot.run(runId, round, sha(commit), 'candidate', 1, passing, at);
          if (index % 5 === 0)
            insert.snapshot.run(
              runId,
              round,
              sha(commit),
              index % 10 === 0 ? 'round' : 'baseline',
              1,
              passing,
              at,
            );
          if (index % 50 === 0) {
            insert.tip.run(runId, 'gaffer/green', 'green', sha(commit), 'promoted', at);
            insert.event.run(
              runId,
              at,
              'branch:promoted',
              JSON.stringify({ runId, role: 'green', branch: 'gaffer/green', commit: sha(commit) }),
            );
          }
        }
      }
    }
    // The working branch ends failing some tests, so status attributes them to a unit's merge.
    insert.snapshot.run(runId, 10, sha(commit), 'round', 0, failing, at);
    return runId;
  };
  const runId = store.transaction(() => {
    writeRun(Math.max(1, Math.floor(shape.units / 10)), () => 'an earlier run');
    return writeRun(shape.units, (unit, attempt) =>
      unit === shape.units - 1 && attempt === shape.attemptsPerUnit
        ? LAST_REASON(shape.units)
        : `attempt ${attempt}`,
    );
  });
  store.close();
  return runId;
}

/**
 * The plain reader: what the overview shows, read with better-sqlite3 in the
 * plainest way: counts by state (GROUP BY), and the first 20 units of each
 * group that needs the operator with their attempts and newest merge verdicts.
 */
export function readerScript(file: string, runId: number): string {
  const sqlite = createRequire(path.join(packageRoot(), 'package.json')).resolve('better-sqlite3');
  return `const Database = require(${JSON.stringify(sqlite)});
const db = new Database(${JSON.stringify(file)}, { readonly: true });
const run = ${runId};
const lines = [];
for (const row of db.prepare('SELECT status, COUNT(*) AS n FROM units WHERE run_id = ? GROUP BY status').all(run))
  lines.push('count units ' + row.status + ' ' + row.n);
lines.push('count attempts ' + db.prepare('SELECT COUNT(*) AS n FROM attempts WHERE run_id = ?').get(run).n);
for (const row of db.prepare('SELECT status, reject_class, COUNT(*) AS n FROM merge_requests WHERE run_id = ? GROUP BY status, reject_class').all(run))
  lines.push('count merges ' + row.status + ' ' + row.reject_class + ' ' + row.n);
const attempts = db.prepare('SELECT id, number, outcome, reason FROM attempts WHERE run_id = ? AND unit_id = ? ORDER BY number');
const merge = db.prepare('SELECT id, status, reject_class, detail FROM merge_requests WHERE attempt_id = ? ORDER BY id DESC LIMIT 1');
for (const status of ['failed', 'blocked', 'killed', 'running', 'merging']) {
  for (const unit of db.prepare('SELECT id, status, reason FROM units WHERE run_id = ? AND status = ? ORDER BY rowid LIMIT 20').all(run, status)) {
    lines.push(unit.id + ' ' + unit.status + ' ' + unit.reason);
    for (const attempt of attempts.all(run, unit.id)) {
      const request = merge.get(attempt.id);
      lines.push('  #' + attempt.number + ' ' + attempt.outcome + ' ' + attempt.reason + (request ? ' ' + request.status + ' ' + request.detail : ''));
    }
  }
}
process.stdout.write(lines.join('\\n') + '\\n');
`;
}

function countsOf(stdoutPath: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of fs.readFileSync(stdoutPath, 'utf8').matchAll(/^count (units \w+|attempts) (\d+)$/gm))
    counts.set(match[1] ?? '', Number(match[2]));
  return counts;
}

export const statusScale: Benchmark = {
  name: 'status-scale',
  summary: '`gaffer status` on 10,000 units / 30,000 attempts against a plain read of the same rows',
  flags: [
    '--units N (default 10000)',
    '--attempts N per unit (default 3)',
    '--repeat N runs per side (default 5)',
  ],
  async run(argv) {
    checkFlags(argv, { units: 'int', attempts: 'int', repeat: 'int' });
    const shape: Shape = {
      units: intFlag(argv, 'units', 10_000),
      attemptsPerUnit: intFlag(argv, 'attempts', 3),
    };
    const repeat = intFlag(argv, 'repeat', 5);
    if (shape.units <= FULL_LISTING_UNITS)
      throw new BenchFailure(
        `--units ${shape.units} is a small run, which status lists unit by unit: pass over ${FULL_LISTING_UNITS} to time its overview`,
      );
    const cli = gafferCli();
    try {
      const dir = makeTempDir('status-scale');
      const stateDir = path.join(dir, 'state');
      const file = databasePath(stateDir);
      const built = performance.now();
      const runId = buildDatabase(file, shape);
      const attempts = shape.units * shape.attemptsPerUnit;
      console.log(
        `status-scale: run #${runId} with ${shape.units} units and ${attempts} attempts written in ${((performance.now() - built) / 1000).toFixed(1)} s (not timed); ${(fs.statSync(file).size / 1e6).toFixed(0)} MB`,
      );
      const script = path.join(dir, 'read.cjs');
      fs.writeFileSync(script, readerScript(file, runId));
      const sides = {
        status: [process.execPath, [cli, 'status', '--state', stateDir]],
        json: [process.execPath, [cli, 'status', '--state', stateDir, '--json']],
        read: [process.execPath, [script]],
        node: [process.execPath, ['-e', '0']],
      } as const;
      const times: Record<keyof typeof sides, number[]> = { status: [], json: [], read: [], node: [] };
      for (let round = 0; round < repeat; round += 1) {
        for (const side of Object.keys(sides) as (keyof typeof sides)[]) {
          const [command, args] = sides[side];
          const run = await timedRun(command, [...args], {
            cwd: dir,
            outDir: dir,
            label: `${side}-${round}`,
            timeoutMs: 120_000,
            env: { ...process.env, COLUMNS: '120' },
          });
          requireSuccess(run, side);
          verify(side, run.stdoutPath, shape);
          times[side].push(run.seconds);
        }
      }
      const status = median(times.status);
      const read = median(times.read);
      for (const side of Object.keys(times) as (keyof typeof times)[])
        console.log(
          `  ${side.padEnd(7)} median ${median(times[side]).toFixed(3)} s over ${repeat} (${times[side].map((s) => s.toFixed(3)).join(', ')})`,
        );
      console.log(
        `RESULT status_10k_s=${status.toFixed(3)} status_json_s=${median(times.json).toFixed(3)} status_baseline_s=${read.toFixed(3)} node_startup_s=${median(times.node).toFixed(3)} status_ratio=${(status / read).toFixed(2)}`,
      );
      return 0;
    } finally {
      await cleanup();
    }
  },
};

/**
 * Each side did the whole work. The overview's counts equal what was written,
 * it shows the last unit's reason (a failed unit) and caps the blocked group;
 * --json names every unit; the plain reader's counts equal what was written.
 */
function verify(side: string, stdoutPath: string, shape: Shape): void {
  if (side === 'node') return;
  const expected = expectedCounts(shape.units);
  const attempts = shape.units * shape.attemptsPerUnit;
  const text = fs.readFileSync(stdoutPath, 'utf8');
  const last = unitId(shape.units - 1);
  if (side === 'read') {
    const counts = countsOf(stdoutPath);
    for (const status of ['done', 'failed', 'blocked'] as const)
      if (counts.get(`units ${status}`) !== expected[status] || counts.get('attempts') !== attempts)
        throw new BenchFailure(
          `the plain reader read ${JSON.stringify([...counts])}, not ${JSON.stringify(expected)} and ${attempts} attempts`,
        );
    if (!text.includes(LAST_REASON(shape.units)))
      throw new BenchFailure(`the plain reader did not read ${last}'s reason`);
    return;
  }
  if (!text.includes(LAST_REASON(shape.units)) || !text.includes(last))
    throw new BenchFailure(
      `gaffer status (${side}) did not show ${last}, a failed unit, or its last attempt's reason`,
    );
  if (side === 'json') {
    if (!text.includes(unitId(0))) throw new BenchFailure('gaffer status --json left out the first unit');
    return;
  }
  const counted = `units: ${shape.units} (${expected.done} done, ${expected.failed} failed, ${expected.blocked} blocked)`;
  const capped = `… and ${expected.blocked - 20} more: gaffer status --all`;
  if (!text.includes(counted) || (expected.blocked > 20 && !text.includes(capped)))
    throw new BenchFailure(
      `gaffer status did not print "${counted}" and "${capped}": its counts or its cap are wrong`,
    );
}
