import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { findLeftovers, lockFiles } from '../../bench/chaos/leftovers.js';
import { readMissionState } from '../../bench/chaos/mission-state.js';
import { GREEN_BRANCH, WORKING_BRANCH } from '../../bench/chaos/mission-plan.js';
import { gitSync } from '../../bench/lib.js';
import { crashMission, plainUnits, type CrashMission } from './crash-fixture.js';

let mission: CrashMission | undefined;
afterEach(() => mission?.remove());

/**
 * The guarded ref transactions of a fresh run, in order: 1 creates working, 2 creates green at the
 * verified baseline, 3 is the first merge: working and green move and that merge's attempt branch
 * is deleted, all together (git also locks packed-refs to delete a ref).
 */
const cases = [
  {
    transaction: "the first merge, moving working and green and deleting the attempt's branch",
    occurrence: 3,
    locks: [
      '.git/packed-refs.lock',
      `.git/refs/heads/${GREEN_BRANCH}.lock`,
      expect.stringMatching(/^\.git\/refs\/heads\/gaffer\/run-1\/.+\.lock$/),
      `.git/refs/heads/${WORKING_BRANCH}.lock`,
    ],
  },
];

it.each(cases)(
  'a supervisor killed with its process group inside a ref transaction ($transaction) leaves the locks; the next run still completes the mission and clears them',
  async ({ occurrence, locks }) => {
    mission = crashMission(plainUnits('alpha', 'beta', 'gamma'));
    const killed = await mission.start({
      mode: 'group',
      trigger: { kind: 'step', step: 'ref-transaction', occurrence },
    });
    expect(killed.killed).toBe(true);
    // git update-ref ran in the supervisor's group: killed between prepare and commit, it left its locks.
    const repo = mission.repo;
    expect(lockFiles(path.join(repo, '.git')).map((file) => path.relative(repo, file))).toEqual(locks);

    const resumed = await mission.start();
    expect(resumed.stderr).toBe('');
    expect(resumed.exitCode).toBe(0);
    const state = readMissionState(repo, mission.stateDir, { working: WORKING_BRANCH, green: GREEN_BRANCH });
    expect(state.runs.map((run) => run.status)).toEqual(['completed']);
    expect(state.units.map((unit) => [unit.id, unit.status, unit.strikes])).toEqual([
      ['alpha', 'done', 0],
      ['beta', 'done', 0],
      ['gamma', 'done', 0],
    ]);
    expect(gitSync(repo, ['ls-tree', '--name-only', WORKING_BRANCH, 'src/']).trim().split('\n')).toEqual([
      'src/alpha.js',
      'src/beta.js',
      'src/gamma.js',
      'src/shared.js',
    ]);
    expect(state.green).toBe(state.working);
    expect(await findLeftovers({ repo, stateDir: mission.stateDir, token: mission.token })).toEqual([]);
  },
  240_000,
);
