/**
 * The invariants checked when a mission has ended, from git (the branches,
 * the reflogs of working and green, every green value's check run again),
 * the state database and the process table.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { blobId, gitEnv, gitSync } from '../lib.js';
import { findLeftovers } from './leftovers.js';
import {
  checkCommand,
  commitSubject,
  expectedStatus,
  GREEN_BRANCH,
  markLine,
  markPath,
  ownFiles,
  RED_TEST,
  scriptedStrikes,
  SHARED_FILE,
  sharedContent,
  WORKING_BRANCH,
  type ChaosUnit,
  type MissionFiles,
} from './mission-plan.js';
import type { MissionState } from './mission-state.js';
import type { Violation } from './violations.js';

export interface InvariantInput {
  files: MissionFiles;
  units: readonly ChaosUnit[];
  maxAttempts: number;
  token: string;
  state: MissionState;
}

export async function checkInvariants(input: InvariantInput): Promise<Violation[]> {
  const violations = [
    ...checkUnits(input),
    ...checkWorkingHistory(input.files.repo),
    ...(await checkGreen(input.files.repo, input.state.working)),
  ];
  const runs = input.state.runs;
  if (runs.length > 1) {
    violations.push({
      counter: 'leftovers',
      detail: `${runs.length} run rows for one mission: ${runs.map((run) => `#${run.id} ${run.status}`).join(', ')}`,
    });
  }
  const latest = runs.at(-1);
  if (latest?.status !== 'completed' && !violations.some((violation) => violation.counter === 'lost')) {
    violations.push({
      counter: 'lost',
      detail: `the run ended ${latest ? `${latest.status}: ${latest.reason}` : 'without a run row'}`,
    });
  }
  for (const leftover of await findLeftovers({
    repo: input.files.repo,
    stateDir: input.files.stateDir,
    token: input.token,
    describeBranch: (ref) => describeAttemptBranch(ref, input.state),
  })) {
    violations.push({ counter: 'leftovers', detail: leftover });
  }
  return violations;
}

/** Each unit's status, strikes, files and marker in working, and its merges. */
function checkUnits(input: InvariantInput): Violation[] {
  const { units, state, files, maxAttempts } = input;
  const repo = files.repo;
  const violations: Violation[] = [];
  const blobs = state.working ? treeBlobs(repo, state.working) : new Map<string, string>();
  const subjects = state.working ? gitSync(repo, ['log', '--format=%s', state.working]).split('\n') : [];
  for (const unit of units) {
    const row = state.units.find((candidate) => candidate.id === unit.id);
    const expected = expectedStatus(unit);
    if (row === undefined) {
      violations.push({ counter: 'lost', detail: `unit ${unit.id} has no row in the state database` });
      continue;
    }
    // One line per unit: its status and what of its work working lacks.
    const lost: string[] = [];
    if (row.status !== expected) {
      lost.push(
        `ended ${row.status}, expected ${expected} (${describeAttempts(unit.id, state)}; ${row.reason})`,
      );
    }
    const allowed = scriptedStrikes(unit, maxAttempts);
    if (row.strikes > allowed) {
      violations.push({
        counter: 'strikes_from_crash',
        detail: `unit ${unit.id} has ${row.strikes} strikes, its script earns ${allowed} (${describeAttempts(unit.id, state)})`,
      });
    }
    const merged = state.merges.filter((merge) => merge.unit_id === unit.id && merge.status === 'merged');
    if (merged.length > 1) {
      violations.push({
        counter: 'merged_twice',
        detail: `unit ${unit.id} has ${merged.length} merge requests in status merged (ids ${merged.map((merge) => merge.id).join(', ')})`,
      });
    }
    const commits = subjects.filter((subject) => subject === commitSubject(unit.id)).length;
    if (commits > 1) {
      violations.push({
        counter: 'merged_twice',
        detail: `${WORKING_BRANCH} holds ${commits} commits "${commitSubject(unit.id)}"`,
      });
    }
    const marks = countLines(repo, state.working, markPath(unit.id), markLine(unit.id));
    if (marks > 1) {
      violations.push({
        counter: 'merged_twice',
        detail: `${markPath(unit.id)} in ${WORKING_BRANCH} has ${marks} lines "${markLine(unit.id)}"`,
      });
    }
    if (expected === 'done') {
      const missing = ownFiles(unit)
        .filter(([file, content]) => blobs.get(file) !== blobId(content))
        .map(([file]) => `${file} ${blobs.has(file) ? 'differs' : 'is missing'}`);
      if (marks === 0) missing.push(`${markPath(unit.id)} has no line "${markLine(unit.id)}"`);
      if (missing.length > 0) lost.push(`in ${WORKING_BRANCH}: ${missing.join(', ')}`);
    }
    if (lost.length > 0) violations.push({ counter: 'lost', detail: `unit ${unit.id} ${lost.join('; ')}` });
  }
  const clashes = units.filter((unit) => unit.role === 'clash');
  const shared = blobs.get(SHARED_FILE);
  if (
    clashes.every((unit) => state.units.find((row) => row.id === unit.id)?.status === 'done') &&
    !clashes.some((unit) => shared === blobId(sharedContent(unit.id)))
  ) {
    violations.push({
      counter: 'lost',
      detail: `${SHARED_FILE} in ${WORKING_BRANCH} holds neither conflicting unit's line (${clashes.map((unit) => unit.id).join(', ')})`,
    });
  }
  return violations;
}

/** Working only ever moves forward: every value in its reflog descends from the one before. */
function checkWorkingHistory(repo: string): Violation[] {
  const values = reflogValues(repo, WORKING_BRANCH);
  const violations: Violation[] = [];
  for (let index = 1; index < values.length; index += 1) {
    const before = values[index - 1] as string;
    const after = values[index] as string;
    if (before === after || isAncestor(repo, before, after)) continue;
    violations.push({
      counter: 'lost',
      detail: `${WORKING_BRANCH} moved from ${before.slice(0, 10)} to ${after.slice(0, 10)}, which does not contain it (commits dropped: ${gitSync(
        repo,
        ['log', '--format=%s', `${after}..${before}`],
      )
        .trim()
        .split('\n')
        .join('; ')})`,
    });
  }
  return violations;
}

/**
 * Every value green ever had passes the check when the harness runs it itself
 * on a copy of that commit's tree, never holds the red unit's test, and is in
 * working's history.
 */
async function checkGreen(repo: string, working: string | undefined): Promise<Violation[]> {
  const values = [...new Set(reflogValues(repo, GREEN_BRANCH))];
  const violations: Violation[] = [];
  for (const sha of values) {
    if (hasPath(repo, sha, RED_TEST)) {
      violations.push({
        counter: 'unverified_green',
        detail: `${GREEN_BRANCH} held ${sha.slice(0, 10)}, which has the red unit's ${RED_TEST}`,
      });
    }
    if (working !== undefined && !isAncestor(repo, sha, working)) {
      violations.push({
        counter: 'unverified_green',
        detail: `${GREEN_BRANCH} held ${sha.slice(0, 10)}, which is not in ${WORKING_BRANCH}'s history`,
      });
    }
  }
  const verdicts = await mapLimited(values, 2, (sha) => runCheckOn(repo, sha));
  values.forEach((sha, index) => {
    const verdict = verdicts[index];
    if (verdict !== undefined && !verdict.passed) {
      violations.push({
        counter: 'unverified_green',
        detail: `${GREEN_BRANCH} held ${sha.slice(0, 10)}, whose check fails when run again (exit ${verdict.exitCode}): ${verdict.tail}`,
      });
    }
  });
  return violations;
}

/** The check run by the harness on a fresh copy of the commit's tree, outside the repository. */
async function runCheckOn(
  repo: string,
  sha: string,
): Promise<{ passed: boolean; exitCode: number | null; tail: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-chaos-green-'));
  try {
    const archive = path.join(dir, 'tree.tar');
    gitSync(repo, ['archive', '--format=tar', '-o', archive, sha]);
    const tree = path.join(dir, 'tree');
    fs.mkdirSync(tree);
    const untar = spawnSync('tar', ['-xf', archive, '-C', tree], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`tar failed on ${archive}: ${untar.stderr}`);
    const [program, ...args] = checkCommand() as [string, ...string[]];
    let output = '';
    const exitCode = await new Promise<number | null>((resolve) => {
      const child = spawn(program, args, { cwd: tree, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.on('close', (code) => resolve(code));
    });
    const tail = output.trim().split('\n').slice(-4).join(' | ');
    return { passed: exitCode === 0, exitCode, tail };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What an attempt branch belonged to: its attempt's outcome and its merge's end. */
function describeAttemptBranch(ref: string, state: MissionState): string {
  const branch = ref.slice('refs/heads/'.length);
  const attempt = state.attempts.find((row) => row.branch === branch);
  if (!attempt) return 'no attempt of the latest run has this branch';
  const merge = state.merges.find((row) => row.attempt_id === attempt.id);
  const mergeText = merge
    ? `merge ${merge.status}${merge.reject_class ? ` (${merge.reject_class})` : ''}`
    : 'never queued';
  return `attempt ${attempt.outcome}, ${mergeText}`;
}

function describeAttempts(unitId: string, state: MissionState): string {
  const attempts = state.attempts.filter((row) => row.unit_id === unitId);
  const merges = state.merges.filter((row) => row.unit_id === unitId);
  const attemptText = attempts.map((row) => `#${row.number} ${row.outcome}`).join(', ');
  const mergeText = merges
    .map((row) => `${row.status}${row.reject_class ? `:${row.reject_class}` : ''}`)
    .join(', ');
  return `attempts ${attemptText || 'none'}; merges ${mergeText || 'none'}`;
}

/** The values a branch had, oldest first, from its reflog (and its tip, had the reflog lost it). */
export function reflogValues(repo: string, branch: string): string[] {
  const result = spawnSync('git', ['reflog', 'show', '--format=%H', `refs/heads/${branch}`, '--'], {
    cwd: repo,
    env: gitEnv,
    encoding: 'utf8',
  });
  const values =
    result.status === 0
      ? result.stdout
          .split('\n')
          .filter((line) => line !== '')
          .reverse()
      : [];
  const tip = spawnSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], {
    cwd: repo,
    env: gitEnv,
    encoding: 'utf8',
  });
  const current = tip.stdout.trim();
  if (tip.status === 0 && values.at(-1) !== current) values.push(current);
  return values;
}

function treeBlobs(repo: string, commit: string): Map<string, string> {
  const blobs = new Map<string, string>();
  for (const line of gitSync(repo, ['ls-tree', '-r', '--full-tree', commit]).split('\n')) {
    const match = /^\d+ blob ([0-9a-f]+)\t(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) blobs.set(match[2], match[1]);
  }
  return blobs;
}

function countLines(repo: string, commit: string | undefined, file: string, line: string): number {
  if (commit === undefined) return 0;
  const shown = spawnSync('git', ['show', `${commit}:${file}`], { cwd: repo, env: gitEnv, encoding: 'utf8' });
  if (shown.status !== 0) return 0;
  return shown.stdout.split('\n').filter((candidate) => candidate === line).length;
}

function hasPath(repo: string, commit: string, file: string): boolean {
  return spawnSync('git', ['cat-file', '-e', `${commit}:${file}`], { cwd: repo, env: gitEnv }).status === 0;
}

function isAncestor(repo: string, ancestor: string, descendant: string): boolean {
  return (
    spawnSync('git', ['merge-base', '--is-ancestor', ancestor, descendant], { cwd: repo, env: gitEnv })
      .status === 0
  );
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
