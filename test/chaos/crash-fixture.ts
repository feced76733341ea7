import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMission, type ChaosUnit, type MissionFiles } from '../../bench/chaos/mission-plan.js';
import { killMarked } from '../../bench/chaos/processes.js';
import { startSupervisor, type PlannedKill, type StartOutcome } from '../../bench/chaos/supervisor-start.js';
import { gitSync } from '../../bench/lib.js';

/** The built CLI (test/global-setup.ts builds it). */
export const cli = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

export interface CrashMission extends MissionFiles {
  token: string;
  /** Starts `gaffer run` once, killed as planned (or run to its end). */
  start: (kill?: PlannedKill) => Promise<StartOutcome>;
  /** Ends whatever the mission left running and removes its folder. */
  remove: () => void;
}

/** Plain units of the chaos mission (a module, its test, a marker line), none depending on another. */
export function plainUnits(...ids: string[]): ChaosUnit[] {
  return ids.map((id) => ({ id, role: 'plain', dependsOn: [], sleepMs: 0 }));
}

/**
 * A chaos mission in a temporary folder (see bench/chaos/mission-plan.ts),
 * serial merges, and `extraFiles` more files committed on main so checkouts
 * take a moment.
 */
export function crashMission(
  units: ChaosUnit[],
  options: { extraFiles?: number; concurrency?: number } = {},
): CrashMission {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-crash-'));
  const files = createMission(dir, units, {
    batchSize: 1,
    verifiers: 1,
    concurrency: options.concurrency ?? 2,
    maxAttempts: 2,
    maxRounds: 6,
  });
  const extraFiles = options.extraFiles ?? 0;
  if (extraFiles > 0) {
    for (let index = 0; index < extraFiles; index += 1) {
      const folder = path.join(files.repo, 'data', `d${index % 100}`);
      fs.mkdirSync(folder, { recursive: true });
      fs.writeFileSync(path.join(folder, `f${index}.txt`), `data file ${index}\n`);
    }
    gitSync(files.repo, ['add', '-A']);
    gitSync(files.repo, ['commit', '--quiet', '-m', `${extraFiles} data files`]);
  }
  const token = `crash${randomBytes(6).toString('hex')}:0`;
  let starts = 0;
  return {
    ...files,
    token,
    start: (kill) => {
      starts += 1;
      return startSupervisor({
        cli,
        configPath: files.configPath,
        token,
        kill,
        timeoutMs: 180_000,
        stdoutPath: path.join(dir, `start-${starts}.stdout`),
        stderrPath: path.join(dir, `start-${starts}.stderr`),
      });
    },
    remove: () => {
      killMarked(token);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
