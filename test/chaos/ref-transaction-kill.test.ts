import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { findLeftovers, lockFiles } from '../../bench/chaos/leftovers.js';
import { readMissionState } from '../../bench/chaos/mission-state.js';
import { GREEN_BRANCH, WORKING_BRANCH } from '../../bench/chaos/mission-plan.js';
import { gitSync } from '../../bench/lib.js';
import { crashMission, plainUnits, type CrashMission } from './crash-fixture.js';

let mission: CrashMission | undefined;
afterEach(() => mission?.remove());

it('a supervisor killed with its process group inside a ref transaction leaves the locks; the next run still completes the mission', async () => {
  mission = crashMission(plainUnits('alpha', 'beta', 'gamma'));
  // The third guarded ref transaction is the first merge (1 creates working, 2 creates green at the
  // verified baseline): it moves working and green, so git holds both locks when the supervisor holds.
  const killed = await mission.start({
    mode: 'group',
    trigger: { kind: 'step', step: 'ref-transaction', occurrence: 3 },
  });
  expect(killed.killed).toBe(true);
  // git update-ref ran in the supervisor's group: killed before commit, it left its prepared locks.
  const locks = lockFiles(path.join(mission.repo, '.git')).map((file) =>
    path.relative(mission?.repo ?? '', file),
  );
  expect(locks).toEqual(
    expect.arrayContaining([
      `.git/refs/heads/${GREEN_BRANCH}.lock`,
      `.git/refs/heads/${WORKING_BRANCH}.lock`,
    ]),
  );

  const resumed = await mission.start();
  expect(resumed.stderr).toBe('');
  expect(resumed.exitCode).toBe(0);
  const state = readMissionState(mission.repo, mission.stateDir, {
    working: WORKING_BRANCH,
    green: GREEN_BRANCH,
  });
  expect(state.runs.map((run) => run.status)).toEqual(['completed']);
  expect(state.units.map((unit) => [unit.id, unit.status, unit.strikes])).toEqual([
    ['alpha', 'done', 0],
    ['beta', 'done', 0],
    ['gamma', 'done', 0],
  ]);
  expect(
    gitSync(mission.repo, ['ls-tree', '--name-only', WORKING_BRANCH, 'src/']).split('\n').sort(),
  ).toEqual(['src/alpha.js', 'src/beta.js', 'src/gamma.js', 'src/shared.js']);
  expect(state.green).toBe(state.working);
  expect(
    await findLeftovers({ repo: mission.repo, stateDir: mission.stateDir, token: mission.token }),
  ).toEqual([]);
}, 240_000);
