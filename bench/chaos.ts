/**
 * The chaos harness: `npm run chaos -- --kills N [--seed S]` (needs a build:
 * `npm run build`). It runs missions of the scripted agent with a real check
 * (`node --test`), kills the supervisor with SIGKILL (alone, with its process
 * group, or with its whole tree) at named steps and random moments, restarts
 * it until each mission has ended, and then checks git, the state database
 * and the process table. It prints every violation, then one line:
 *
 *   RESULT kills=<n> units_done=<n> lost=0 merged_twice=0 unverified_green=0
 *          strikes_from_crash=0 leftovers=0 manual_repairs=0 bad_exits=0
 *
 * Exit codes: 0 every invariant held, 1 a violation (or the harness failed), 2 usage.
 */
import os from 'node:os';
import path from 'node:path';
import {
  BenchFailure,
  BenchUsageError,
  checkFlags,
  cleanup,
  gafferCli,
  intFlag,
  keepTempDirs,
  makeTempDir,
} from './lib.js';
import { killLiveMissions, removeMission, runMission, type MissionReport } from './chaos/mission.js';
import { freshSeed, Random } from './chaos/random.js';
import { resultLine, type Violation } from './chaos/violations.js';

const USAGE = `usage: npm run chaos -- --kills N [--seed S] [--kills-per-mission K] [--small] [--start-timeout S] [--keep] [--no-rerun-check]

Needs a build first (npm run build). Runs chaos missions until N kills have landed.
  --kills N              kills to land across all missions (default 10)
  --seed S               replay the same modes, steps and moments (printed when not given)
  --kills-per-mission K  kills in one mission at most before it may finish (default 5)
  --small                7-unit missions instead of 12 (the test suite's size)
  --start-timeout S      a start running longer than S seconds has hung (default 240)
  --keep                 keep the missions' folders (repositories, configs, each start's output)
  --no-rerun-check       skip the last start of each mission (gaffer run after it completed must do nothing)`;

const FLAGS = {
  kills: 'int',
  seed: 'int',
  'kills-per-mission': 'int',
  'start-timeout': 'int',
  small: 'bool',
  keep: 'bool',
  'no-rerun-check': 'bool',
  help: 'bool',
} as const;

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  checkFlags(argv, FLAGS);
  if (os.platform() !== 'linux')
    throw new BenchFailure('the chaos harness reads /proc: it runs on Linux only');
  const kills = intFlag(argv, 'kills', 10);
  const seed = intFlag(argv, 'seed', freshSeed());
  const perMission = intFlag(argv, 'kills-per-mission', 5);
  const startTimeoutMs = intFlag(argv, 'start-timeout', 240) * 1000;
  const small = argv.includes('--small');
  const keep = argv.includes('--keep');
  const rerunCheck = !argv.includes('--no-rerun-check');
  const cli = gafferCli();
  const replay = `npm run chaos -- --kills ${kills} --seed ${seed} --kills-per-mission ${perMission}${small ? ' --small' : ''}${rerunCheck ? '' : ' --no-rerun-check'}`;
  console.log(`chaos: seed ${seed}, ${kills} kills, up to ${perMission} per mission (replay: ${replay})`);

  const random = new Random(seed);
  const root = makeTempDir('chaos');
  const reports: MissionReport[] = [];
  let landed = 0;
  // Starts whose armed step is never reached land no kill: allow for a few such missions.
  const maxMissions = Math.ceil(kills / perMission) * 3 + 2;
  while (landed < kills && reports.length < maxMissions) {
    const index = reports.length + 1;
    const dir = path.join(root, `mission-${index}`);
    const report = await runMission({
      index,
      seed: random.int(1, 0x7fffffff),
      killBudget: Math.min(perMission, kills - landed),
      // Serial, then batches of 3 with 2 verifiers (prefixes verified at once), in turn.
      batchSize: index % 2 === 1 ? 1 : 3,
      verifiers: index % 2 === 1 ? 1 : 2,
      small,
      cli,
      dir,
      startTimeoutMs,
      rerunCheck,
      log: (line) => console.log(line),
    });
    reports.push(report);
    landed += report.kills.length;
    if (!keep && report.violations.length === 0) removeMission(dir);
  }
  if (landed < kills)
    console.log(`chaos: only ${landed} of ${kills} kills landed in ${reports.length} missions`);
  const violations: Violation[] = reports.flatMap((report) => report.violations);
  for (const violation of violations) console.log(`VIOLATION ${violation.counter}: ${violation.detail}`);
  const kept = keep || violations.length > 0 ? keepTempDirs() : [];
  for (const dir of kept) console.log(`chaos: missions kept in ${dir}`);
  if (violations.length > 0) console.log(`chaos: replay with ${replay}`);
  await cleanup();
  const unitsDone = reports.reduce((sum, report) => sum + report.unitsDone, 0);
  console.log(resultLine(landed, unitsDone, violations));
  return violations.length === 0 ? 0 : 1;
}

// Ctrl-C: end the mission's supervisor and everything it started, then remove the temp folders.
process.once('SIGINT', () => {
  process.stderr.write('chaos: interrupted; ending the mission and removing the temp folders\n');
  killLiveMissions();
  void cleanup().finally(() => process.exit(130));
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof BenchUsageError) {
      console.error(`chaos: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
