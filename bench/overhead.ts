/**
 * overhead: what supervising costs. 100 independent scripted-agent units (each
 * writes and commits one file), a no-op check, four workers, run by the real
 * CLI in a subprocess; against it, in the same run, a serial bash script that
 * does the same git work (worktree, commit, rebase in a merge worktree, the
 * check, update-ref, cleanup) on an identical fresh repository. Both results
 * are verified file by file. RESULT is gaffer's seconds over the script's.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  BenchFailure,
  checkFlags,
  cleanup,
  gafferCli,
  gitEnv,
  gitSync,
  initRepo,
  intFlag,
  keepTempDirs,
  makeTempDir,
  median,
  resultLine,
  tailOf,
  timedRun,
  verifyTree,
  type Benchmark,
} from './lib.js';

const DEFAULT_UNITS = 100;
const CONCURRENCY = 4;
const RUN_TIMEOUT_MS = 30 * 60_000;
const GAFFER_WORKING = 'gaffer/working';
const SCRIPT_WORKING = 'working';

/**
 * The serial baseline. `true` is a bash builtin, so the check runs the
 * external binary (as gaffer does) to keep one process per check on both sides.
 */
const SCRIPT = `#!/usr/bin/env bash
# usage: serial.sh <repo> <units> <work-folder>
set -euo pipefail
repo=$1
units=$2
work=$3
true_bin=$(type -P true)
merge="$work/merge"
git -C "$repo" branch ${SCRIPT_WORKING} main
git -C "$repo" worktree add -q --detach "$merge" ${SCRIPT_WORKING}
for ((i = 1; i <= units; i++)); do
  dir="$work/unit-$i"
  git -C "$repo" worktree add -q -b "b$i" "$dir" ${SCRIPT_WORKING}
  mkdir -p "$dir/files"
  printf 'hello %s\\n' "$i" > "$dir/files/unit-$i.txt"
  git -C "$dir" add -A && git -C "$dir" commit -q -m "add unit $i"
  git -C "$merge" checkout -q --detach "b$i"
  git -C "$merge" rebase -q ${SCRIPT_WORKING}
  (cd "$merge" && "$true_bin")
  git -C "$repo" update-ref refs/heads/${SCRIPT_WORKING} "$(git -C "$merge" rev-parse HEAD)"
  git -C "$repo" worktree remove "$dir"
  git -C "$repo" branch -q -D "b$i"
done
git -C "$repo" worktree remove --force "$merge"
`;

interface Sample {
  gaffer: number;
  script: number;
}

/** What both sides must leave on their working branch: files/unit-<i>.txt = "hello <i>". */
function expectedFiles(units: number): Map<string, string> {
  const files = new Map<string, string>([['README.md', '# bench\n']]);
  for (let i = 1; i <= units; i += 1) files.set(`files/unit-${i}.txt`, `hello ${i}\n`);
  return files;
}

function planFor(units: number): object {
  return {
    name: 'overhead',
    units: Array.from({ length: units }, (_, index) => {
      const i = index + 1;
      return {
        id: `unit-${i}`,
        title: `Write unit ${i}`,
        prompt: `Write one file and commit it.\n@write files/unit-${i}.txt hello ${i}\n@commit add unit ${i}`,
      };
    }),
  };
}

function configFor(): object {
  return {
    repo: 'repo',
    plan: 'plan.json',
    concurrency: CONCURRENCY,
    maxAttempts: 1,
    attemptTimeoutMs: 120_000,
    agent: { kind: 'scripted' },
    checks: [{ name: 'noop', command: ['true'] }],
    rounds: { max: 1 },
  };
}

/** Same history on both sides: one commit per unit on top of main. */
function verifyCommits(repo: string, branch: string, units: number, who: string): void {
  const count = Number(gitSync(repo, ['rev-list', '--count', `main..refs/heads/${branch}`]).trim());
  if (count !== units)
    throw new BenchFailure(`${who}: ${branch} has ${count} commits on top of main, expected ${units}`);
}

async function runGaffer(units: number, label: string): Promise<number> {
  const root = makeTempDir('overhead-gaffer');
  const repo = initRepo(path.join(root, 'repo'));
  fs.writeFileSync(path.join(root, 'plan.json'), `${JSON.stringify(planFor(units), null, 2)}\n`);
  const configPath = path.join(root, 'gaffer.json');
  fs.writeFileSync(configPath, `${JSON.stringify(configFor(), null, 2)}\n`);
  const args = [gafferCli(), 'run', '--config', configPath, '--headless'];
  const run = await timedRun(process.execPath, args, {
    cwd: root,
    outDir: root,
    label,
    timeoutMs: RUN_TIMEOUT_MS,
  });
  if (run.exitCode !== 0) {
    const how = run.signal ? `was killed by ${run.signal}` : `exited ${run.exitCode ?? 'none'}`;
    throw new BenchFailure(
      `gaffer ${how} (expected 0) after ${run.seconds.toFixed(1)} s; its output (${run.stdoutPath}):\n${tailOf(run.stdoutPath)}\nstderr:\n${tailOf(run.stderrPath)}`,
    );
  }
  verifyTree(repo, GAFFER_WORKING, expectedFiles(units), 'gaffer');
  verifyCommits(repo, GAFFER_WORKING, units, 'gaffer');
  return run.seconds;
}

async function runScript(units: number, label: string): Promise<number> {
  const root = makeTempDir('overhead-script');
  const repo = initRepo(path.join(root, 'repo'));
  const work = path.join(root, 'work');
  fs.mkdirSync(work);
  const script = path.join(root, 'serial.sh');
  fs.writeFileSync(script, SCRIPT, { mode: 0o755 });
  const run = await timedRun('bash', [script, repo, String(units), work], {
    cwd: root,
    outDir: root,
    label,
    timeoutMs: RUN_TIMEOUT_MS,
    env: gitEnv,
  });
  if (run.exitCode !== 0) {
    throw new BenchFailure(
      `the serial script exited ${run.exitCode ?? run.signal ?? 'none'}; stderr:\n${tailOf(run.stderrPath)}`,
    );
  }
  verifyTree(repo, SCRIPT_WORKING, expectedFiles(units), 'script');
  verifyCommits(repo, SCRIPT_WORKING, units, 'script');
  return run.seconds;
}

/**
 * What the agents alone cost: gaffer starts one Node.js process per unit (the
 * scripted agent), which the bash script never does. Measured here, serially,
 * so the reader can tell supervision overhead from agent start-up.
 */
function agentStartSeconds(samples: number): number {
  const agent = path.join(path.dirname(gafferCli()), 'workers', 'scripted-agent.js');
  const started = performance.now();
  for (let i = 0; i < samples; i += 1) {
    const result = spawnSync(process.execPath, [agent], {
      input: '',
      env: { ...process.env, GAFFER_ATTEMPT: '1' },
    });
    if (result.status !== 0)
      throw new BenchFailure(`the scripted agent exited ${result.status ?? 'none'} on an empty prompt`);
  }
  return (performance.now() - started) / 1000 / samples;
}

const seconds = (value: number): string => `${value.toFixed(2)} s`;
const perUnit = (value: number, units: number): string => `${((value * 1000) / units).toFixed(1)} ms/unit`;

async function run(argv: string[]): Promise<number> {
  checkFlags(argv, { repeat: 'int', units: 'int', keep: 'bool' });
  const repeat = intFlag(argv, 'repeat', 1);
  const units = intFlag(argv, 'units', DEFAULT_UNITS);
  const keep = argv.includes('--keep');
  console.log(
    `overhead: ${units} scripted units, concurrency ${CONCURRENCY}, check ["true"], vs a serial bash script; ${repeat} repetition(s)`,
  );
  const samples: Sample[] = [];
  try {
    for (let r = 1; r <= repeat; r += 1) {
      // Alternate which side goes first, so a noisy neighbour does not always hit the same one.
      const sample: Sample = { gaffer: 0, script: 0 };
      if (r % 2 === 1) {
        sample.gaffer = await runGaffer(units, `gaffer-${r}`);
        sample.script = await runScript(units, `script-${r}`);
      } else {
        sample.script = await runScript(units, `script-${r}`);
        sample.gaffer = await runGaffer(units, `gaffer-${r}`);
      }
      samples.push(sample);
      console.log(
        `  run ${r}: gaffer ${seconds(sample.gaffer)} (${perUnit(sample.gaffer, units)}), script ${seconds(sample.script)} (${perUnit(sample.script, units)}), ratio ${(sample.gaffer / sample.script).toFixed(2)}; both verified`,
      );
    }
  } finally {
    if (keep) for (const dir of keepTempDirs()) console.log(`  kept ${dir}`);
    else await cleanup();
  }
  const gaffer = median(samples.map((sample) => sample.gaffer));
  const script = median(samples.map((sample) => sample.script));
  const label = repeat > 1 ? 'median ' : '';
  console.log(
    `gaffer: ${label}${seconds(gaffer)}, ${perUnit(gaffer, units)} (${CONCURRENCY} workers, wall clock incl. startup)`,
  );
  console.log(`script: ${label}${seconds(script)}, ${perUnit(script, units)} (serial bash, same git work)`);
  const agentStart = agentStartSeconds(20);
  console.log(
    `agents: one scripted-agent start costs ${(agentStart * 1000).toFixed(0)} ms here; ${units} starts = ${seconds(agentStart * units)} of CPU that only gaffer's side spends`,
  );
  console.log(resultLine('overhead_ratio', gaffer / script));
  return 0;
}

export const overhead: Benchmark = {
  name: 'overhead',
  summary: `gaffer (${CONCURRENCY} workers) vs a serial git script on ${DEFAULT_UNITS} one-file units; RESULT overhead_ratio`,
  flags: [
    '--repeat N   run each side N times, report the medians (default 1)',
    `--units N    units per side (default ${DEFAULT_UNITS})`,
    '--keep       leave the temp folders for inspection',
  ],
  run,
};
