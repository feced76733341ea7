/**
 * overhead: what supervising costs. 100 independent scripted-agent units (each
 * writes and commits one file), a no-op check, four workers, run by the real
 * CLI in a subprocess; against it, in the same run, a serial bash script that
 * runs the same built scripted agent with the same prompt in a worktree per
 * unit and then does the same git work (rebase in a merge worktree, the check,
 * update-ref, cleanup) on an identical fresh repository. A second script does
 * the git work without the agent (the earlier comparison). Every side is
 * verified file by file. RESULT is gaffer's seconds over the agent script's,
 * and the supervisor process's own CPU per unit (from GAFFER_LAG_REPORT).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { AgentSchema } from '../src/config/schema.js';
import { runGitProcess } from '../src/git/git-runner.js';
import { IsolatedWorkspace } from '../src/git/isolated-workspace.js';
import { describeSource } from '../src/git/source-repo.js';
import { helperUsage } from '../src/util/helper-process.js';
import { spawnFromHelper } from '../src/workers/process-starter.js';
import { agentEnvironment } from '../src/workers/agent-env.js';
import { buildPrompt } from '../src/workers/prompt.js';
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
  requireSuccess,
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
 * With an agent, each unit's worktree gets the scripted agent gaffer runs
 * (same file, same prompt on stdin and in GAFFER_PROMPT_FILE, the attempt's
 * variables, its output to a log file), which writes and commits the file;
 * without one, the script writes and commits it itself.
 */
const SCRIPT = `#!/usr/bin/env bash
# usage: serial.sh <repo> <units> <work-folder> [<node> <scripted-agent.js> <prompt-folder>]
set -euo pipefail
repo=$1
units=$2
work=$3
node_bin=\${4:-}
agent=\${5:-}
prompts=\${6:-}
true_bin=$(type -P true)
merge="$work/merge"
git -C "$repo" branch ${SCRIPT_WORKING} main
git -C "$repo" worktree add -q --detach "$merge" ${SCRIPT_WORKING}
for ((i = 1; i <= units; i++)); do
  dir="$work/unit-$i"
  git -C "$repo" worktree add -q -b "b$i" "$dir" ${SCRIPT_WORKING}
  if [[ -n "$agent" ]]; then
    cd "$dir"
    GAFFER_RUN_ID=1 GAFFER_UNIT_ID="unit-$i" GAFFER_ATTEMPT=1 GAFFER_WORKTREE="$dir" GAFFER_PROMPT_FILE="$prompts/unit-$i.txt" \\
      "$node_bin" "$agent" < "$prompts/unit-$i.txt" > "$work/unit-$i.log" 2>&1
    cd "$work"
  else
    mkdir -p "$dir/files"
    printf 'hello %s\\n' "$i" > "$dir/files/unit-$i.txt"
    git -C "$dir" add -A && git -C "$dir" commit -q -m "add unit $i"
  fi
  git -C "$merge" checkout -q --detach "b$i"
  git -C "$merge" rebase -q ${SCRIPT_WORKING}
  (cd "$merge" && "$true_bin")
  git -C "$repo" update-ref refs/heads/${SCRIPT_WORKING} "$(git -C "$merge" rev-parse HEAD)"
  git -C "$repo" worktree remove "$dir"
  git -C "$repo" branch -q -D "b$i"
done
git -C "$repo" worktree remove --force "$merge"
`;

/** What the supervisor asked of its helpers in one run (GAFFER_LAG_REPORT). */
interface Requests {
  gitProcesses: number;
  gitDirectories: number;
  processStarts: number;
}

interface Sample {
  gaffer: number;
  /** The serial script running the scripted agent per unit: the fair baseline. */
  agentScript: number;
  /** The serial script without the agent (it writes and commits itself): the earlier baseline. */
  plainScript: number;
  /** CPU the supervisor process itself used (user + system, ms), its children excluded. */
  supervisorCpuMs: number;
  /** The share of supervisorCpuMs its helper processes used (git, the process starter). */
  helperCpuMs: number;
  requests: Requests;
}

type Side = 'gaffer' | 'agentScript' | 'plainScript';

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

async function runGaffer(
  units: number,
  label: string,
): Promise<{ seconds: number; cpuMs: number; helperCpuMs: number; requests: Requests }> {
  const root = makeTempDir('overhead-gaffer');
  const repo = initRepo(path.join(root, 'repo'));
  fs.writeFileSync(path.join(root, 'plan.json'), `${JSON.stringify(planFor(units), null, 2)}\n`);
  const configPath = path.join(root, 'gaffer.json');
  fs.writeFileSync(configPath, `${JSON.stringify(configFor(), null, 2)}\n`);
  // For profiling the supervisor alone: OVERHEAD_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'.
  const nodeArgs = (process.env.OVERHEAD_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  const args = [...nodeArgs, gafferCli(), 'run', '--config', configPath, '--headless'];
  const report = path.join(root, `${label}.report.json`);
  const run = await timedRun(process.execPath, args, {
    cwd: root,
    outDir: root,
    label,
    timeoutMs: RUN_TIMEOUT_MS,
    env: { ...process.env, GAFFER_LAG_REPORT: report },
  });
  requireSuccess(run, 'gaffer');
  verifyTree(repo, GAFFER_WORKING, expectedFiles(units), 'gaffer');
  verifyCommits(repo, GAFFER_WORKING, units, 'gaffer');
  return { seconds: run.seconds, ...readCpuReport(report) };
}

/**
 * The supervisor's own CPU (user + system, ms, its helper processes included)
 * and the helpers' share, from the report gaffer wrote at the run's end.
 */
function readCpuReport(file: string): { cpuMs: number; helperCpuMs: number; requests: Requests } {
  let report: unknown;
  try {
    report = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new BenchFailure(
      `gaffer wrote no readable report to ${file} (GAFFER_LAG_REPORT): ${String(error)}`,
    );
  }
  const { cpuUserMs, cpuSystemMs, helperCpuMs, requests } = (report ?? {}) as {
    cpuUserMs?: unknown;
    cpuSystemMs?: unknown;
    helperCpuMs?: unknown;
    requests?: Partial<Requests>;
  };
  if (
    typeof cpuUserMs !== 'number' ||
    typeof cpuSystemMs !== 'number' ||
    typeof helperCpuMs !== 'number' ||
    typeof requests?.gitProcesses !== 'number' ||
    typeof requests.gitDirectories !== 'number' ||
    typeof requests.processStarts !== 'number'
  )
    throw new BenchFailure(
      `the report ${file} lacks the CPU figures or the helper requests: ${JSON.stringify(report)}`,
    );
  return {
    cpuMs: cpuUserMs + cpuSystemMs,
    helperCpuMs,
    requests: {
      gitProcesses: requests.gitProcesses,
      gitDirectories: requests.gitDirectories,
      processStarts: requests.processStarts,
    },
  };
}

/**
 * The prompt gaffer gives each unit's first attempt (the plan has no objective
 * and the units no dependencies), one file per unit, for the agent script.
 */
function writePrompts(units: number, folder: string): void {
  fs.mkdirSync(folder, { recursive: true });
  const plan = planFor(units) as { units: { id: string; title: string; prompt: string }[] };
  for (const unit of plan.units) fs.writeFileSync(path.join(folder, `${unit.id}.txt`), buildPrompt({ unit }));
}

/** The environment gaffer gives a scripted agent (its allowlist), plus the script's git settings. */
function agentScriptEnv(): NodeJS.ProcessEnv {
  const agent = AgentSchema.parse({ kind: 'scripted' });
  return { ...agentEnvironment(agent, process.env), GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
}

async function runScript(units: number, label: string, withAgent: boolean): Promise<number> {
  const root = makeTempDir('overhead-script');
  const repo = initRepo(path.join(root, 'repo'));
  const work = path.join(root, 'work');
  fs.mkdirSync(work);
  const script = path.join(root, 'serial.sh');
  fs.writeFileSync(script, SCRIPT, { mode: 0o755 });
  const args = [script, repo, String(units), work];
  if (withAgent) {
    const prompts = path.join(root, 'prompts');
    writePrompts(units, prompts);
    args.push(process.execPath, scriptedAgent(), prompts);
  }
  const run = await timedRun('bash', args, {
    cwd: root,
    outDir: root,
    label,
    timeoutMs: RUN_TIMEOUT_MS,
    env: withAgent ? agentScriptEnv() : gitEnv,
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

/** The built scripted agent gaffer runs for `agent.kind: "scripted"`. */
function scriptedAgent(): string {
  return path.join(path.dirname(gafferCli()), 'workers', 'scripted-agent.js');
}

/**
 * What the agents alone cost: gaffer starts one Node.js process per unit (the
 * scripted agent), which the bash script never does. Measured here, serially,
 * so the reader can tell supervision overhead from agent start-up.
 */
function agentStartSeconds(samples: number): number {
  const agent = scriptedAgent();
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
    `overhead: ${units} scripted units, concurrency ${CONCURRENCY}, check ["true"], vs serial bash scripts with and without the same agent; ${repeat} repetition(s)`,
  );
  const samples: Sample[] = [];
  try {
    for (let r = 1; r <= repeat; r += 1) {
      // Rotate which side goes first, so a noisy neighbour does not always hit the same one.
      const sample: Sample = {
        gaffer: 0,
        agentScript: 0,
        plainScript: 0,
        supervisorCpuMs: 0,
        helperCpuMs: 0,
        requests: { gitProcesses: 0, gitDirectories: 0, processStarts: 0 },
      };
      const order: Side[] = rotate(['gaffer', 'agentScript', 'plainScript'], r - 1);
      for (const side of order) {
        if (side === 'gaffer') {
          const gaffer = await runGaffer(units, `gaffer-${r}`);
          sample.gaffer = gaffer.seconds;
          sample.supervisorCpuMs = gaffer.cpuMs;
          sample.helperCpuMs = gaffer.helperCpuMs;
          sample.requests = gaffer.requests;
        } else if (side === 'agentScript') {
          sample.agentScript = await runScript(units, `agent-script-${r}`, true);
        } else {
          sample.plainScript = await runScript(units, `plain-script-${r}`, false);
        }
      }
      samples.push(sample);
      console.log(
        `  run ${r}: gaffer ${seconds(sample.gaffer)} (${perUnit(sample.gaffer, units)}, supervisor CPU ${(sample.supervisorCpuMs / units).toFixed(1)} ms/unit, ` +
          `of which helper processes ${(sample.helperCpuMs / units).toFixed(1)}), ` +
          `agent script ${seconds(sample.agentScript)} (${perUnit(sample.agentScript, units)}), ` +
          `plain script ${seconds(sample.plainScript)}; ratio ${(sample.gaffer / sample.agentScript).toFixed(2)} ` +
          `(no agent ${(sample.gaffer / sample.plainScript).toFixed(2)}); all verified`,
      );
    }
  } finally {
    if (keep) for (const dir of keepTempDirs()) console.log(`  kept ${dir}`);
    else await cleanup();
  }
  const gaffer = median(samples.map((sample) => sample.gaffer));
  const agentScript = median(samples.map((sample) => sample.agentScript));
  const plainScript = median(samples.map((sample) => sample.plainScript));
  const cpuPerUnit = median(samples.map((sample) => sample.supervisorCpuMs)) / units;
  const label = repeat > 1 ? 'median ' : '';
  console.log(
    `gaffer: ${label}${seconds(gaffer)}, ${perUnit(gaffer, units)} (${CONCURRENCY} workers, wall clock incl. startup); supervisor process CPU ${label}${cpuPerUnit.toFixed(1)} ms/unit`,
  );
  console.log(
    `agent script: ${label}${seconds(agentScript)}, ${perUnit(agentScript, units)} (serial bash, the same scripted agent and prompt per unit, same git work)`,
  );
  console.log(
    `plain script: ${label}${seconds(plainScript)}, ${perUnit(plainScript, units)} (serial bash, same git work, no agent)`,
  );
  const agentStart = agentStartSeconds(20);
  console.log(
    `agents: one scripted-agent start on an empty prompt costs ${(agentStart * 1000).toFixed(0)} ms here (${seconds(agentStart * units)} for ${units})`,
  );
  const floor = await helperFloor(samples, units);
  console.log(
    `${resultLine('overhead_ratio', gaffer / agentScript)} supervisor_cpu_ms_per_unit=${cpuPerUnit.toFixed(1)} overhead_ratio_no_agent=${(gaffer / plainScript).toFixed(2)} helper_floor_ms_per_unit=${floor.toFixed(1)}`,
  );
  return 0;
}

/**
 * What the processes and git directories alone cost per unit: the runs'
 * median counts (git processes, workspace git directories made anew, agents
 * and checks started) times each one's CPU measured here, in the same
 * helpers, one at a time on a fresh repository (supervisor side and helper
 * side together). A git directory is measured as a workspace checkout (made
 * anew, reset and cleaned by one git process, its index copied), so the git
 * processes left are those beyond one per checkout. No store write, event,
 * log, /proc scan or scheduling is in it: it is what the supervisor's CPU per
 * unit cannot go below while each checkout gets a fresh git directory and
 * each git step a fresh process.
 */
async function helperFloor(samples: readonly Sample[], units: number): Promise<number> {
  const perUnit = (pick: (requests: Requests) => number): number =>
    median(samples.map((sample) => pick(sample.requests))) / units;
  const gitProcesses = perUnit((requests) => requests.gitProcesses);
  const gitDirectories = perUnit((requests) => requests.gitDirectories);
  const starts = perUnit((requests) => requests.processStarts);
  const root = makeTempDir('overhead-floor');
  const repo = initRepo(path.join(root, 'repo'));
  const head = gitSync(repo, ['rev-parse', 'HEAD']).trim();
  const trueBin = spawnSync('bash', ['-c', 'type -P true'], { encoding: 'utf8' }).stdout.trim();
  const workspace = new IsolatedWorkspace(path.join(root, 'workspace'), await describeSource(repo), {
    indexCopy: path.join(root, 'index-copy'),
  });
  const git = await cpuPer(200, async () => {
    const result = await runGitProcess({
      args: ['rev-parse', 'HEAD'],
      cwd: repo,
      env: gitEnv,
      input: '',
      maxBuffer: 1 << 20,
    });
    if (result.stdout.trim() !== head) throw new BenchFailure(`git rev-parse said ${result.stdout}`);
  });
  const checkout = await cpuPer(100, () => workspace.checkout(head, 'gaffer/floor'));
  const start = await cpuPer(200, async () => {
    const child = spawnFromHelper({ command: trueBin, args: [], cwd: repo, env: {} });
    if (!('pid' in (await child.started))) throw new BenchFailure(`${trueBin} did not start`);
    const exit = await child.closed;
    if (exit.exitCode !== 0) throw new BenchFailure(`${trueBin} exited ${exit.exitCode}`);
  });
  const floor = gitDirectories * checkout + Math.max(0, gitProcesses - gitDirectories) * git + starts * start;
  console.log(
    `floor: per unit ${gitDirectories.toFixed(2)} git directories made anew × ${checkout.toFixed(2)} ms (a checkout), ` +
      `${Math.max(0, gitProcesses - gitDirectories).toFixed(2)} more git processes × ${git.toFixed(2)} ms, ` +
      `${starts.toFixed(2)} agents and checks started × ${start.toFixed(2)} ms = ${floor.toFixed(1)} ms of CPU`,
  );
  return floor;
}

/** CPU (ms, this process and the helpers) per call of `work`, after one call that starts the helpers. */
async function cpuPer(times: number, work: () => Promise<void>): Promise<number> {
  await work();
  const helpersBefore = helperUsage();
  const ownBefore = process.cpuUsage();
  for (let i = 0; i < times; i += 1) await work();
  const own = process.cpuUsage(ownBefore);
  const helpersAfter = helperUsage();
  const helpers =
    helpersAfter.cpuUserMs + helpersAfter.cpuSystemMs - helpersBefore.cpuUserMs - helpersBefore.cpuSystemMs;
  return ((own.user + own.system) / 1000 + helpers) / times;
}

/** The list turned left `by` places: each repetition starts with another side. */
function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

export const overhead: Benchmark = {
  name: 'overhead',
  summary: `gaffer (${CONCURRENCY} workers) vs a serial script running the same agent on ${DEFAULT_UNITS} one-file units; RESULT overhead_ratio supervisor_cpu_ms_per_unit`,
  flags: [
    '--repeat N   run each side N times, rotating which goes first; report the medians (default 1)',
    `--units N    units per side (default ${DEFAULT_UNITS})`,
    '--keep       leave the temp folders for inspection',
  ],
  run,
};
