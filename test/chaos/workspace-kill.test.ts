import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { findLeftovers } from '../../bench/chaos/leftovers.js';
import { readMissionState } from '../../bench/chaos/mission-state.js';
import { GREEN_BRANCH, WORKING_BRANCH } from '../../bench/chaos/mission-plan.js';
import { crashMission, plainUnits, type CrashMission } from './crash-fixture.js';

let mission: CrashMission | undefined;
afterEach(() => mission?.remove());

it('a supervisor killed with its process group while it checks out an attempt workspace: the next run completes, nothing left behind', async () => {
  // Enough files that the checkout (git reset --hard) is still writing when the kill lands.
  mission = crashMission(plainUnits('alpha', 'beta'), { extraFiles: 6000, concurrency: 1 });
  // The first workspace checkout is the merge queue's; the second is the first attempt's slot.
  const killed = await mission.start({
    mode: 'group',
    trigger: { kind: 'step', step: 'workspace', occurrence: 2 },
  });
  expect(killed.killed).toBe(true);
  // The kill cut the checkout in two: the slot holds only part of the tree.
  const slots = fs.readdirSync(path.join(mission.stateDir, 'workspaces'));
  expect(slots).toHaveLength(1);
  const data = path.join(mission.stateDir, 'workspaces', slots[0] ?? '', 'data');
  const written = fs.existsSync(data)
    ? fs.readdirSync(data).reduce((sum, folder) => sum + fs.readdirSync(path.join(data, folder)).length, 0)
    : 0;
  expect(written).toBeLessThan(6000);

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
  ]);
  expect(
    await findLeftovers({ repo: mission.repo, stateDir: mission.stateDir, token: mission.token }),
  ).toEqual([]);
}, 240_000);
