/**
 * What the mission's state database and branches say, read without writing:
 * the harness's view of progress between starts and its evidence at the end.
 */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { AttemptRow } from '../../src/store/attempts.js';
import type { MergeRow } from '../../src/store/merges.js';
import type { RunRow } from '../../src/store/runs.js';
import { Store } from '../../src/store/store.js';
import type { UnitRow } from '../../src/store/units.js';
import { gitEnv } from '../lib.js';

export interface MissionState {
  runs: RunRow[];
  /** The latest run's units, merge requests and attempts (empty before the first run exists). */
  units: UnitRow[];
  merges: MergeRow[];
  attempts: AttemptRow[];
  working: string | undefined;
  green: string | undefined;
}

export function readMissionState(
  repo: string,
  stateDir: string,
  branches: { working: string; green: string },
): MissionState {
  const state: MissionState = {
    runs: [],
    units: [],
    merges: [],
    attempts: [],
    working: tipOf(repo, branches.working),
    green: tipOf(repo, branches.green),
  };
  const file = path.join(stateDir, 'state.db');
  if (!fs.existsSync(file)) return state;
  let store: Store;
  try {
    store = Store.open(file, { readonly: true });
  } catch {
    // Created but not initialized yet: the supervisor died while opening it.
    return state;
  }
  try {
    state.runs = store.db.prepare('SELECT * FROM runs ORDER BY id').all() as RunRow[];
    const latest = state.runs.at(-1);
    if (latest) {
      state.units = store.units.all(latest.id);
      state.merges = store.merges.forRun(latest.id);
      state.attempts = store.attempts.forRun(latest.id);
    }
  } finally {
    store.close();
  }
  return state;
}

/** Everything a restart can change, in one string: two equal fingerprints mean no progress. */
export function fingerprint(state: MissionState): string {
  return JSON.stringify({
    runs: state.runs.map((run) => [run.id, run.status]),
    units: state.units.map((unit) => [unit.id, unit.status, unit.strikes, unit.attempts]),
    merges: state.merges.map((merge) => [merge.id, merge.status]),
    working: state.working,
    green: state.green,
  });
}

export function tipOf(repo: string, branch: string): string | undefined {
  const result = spawnSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], {
    cwd: repo,
    env: gitEnv,
    encoding: 'utf8',
  });
  return result.status === 0 ? result.stdout.trim() : undefined;
}
