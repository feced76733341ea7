/**
 * remote: what running attempts on worker hosts over SSH costs. The same
 * mission twice, side by side: 40 independent units of the scripted agent
 * (`@sleep 200`, then write one file and commit it) on 4 slots of this
 * machine, and on 4 slots split over two real sshd hosts (`local.slots: 0`,
 * two hosts of 2 slots, each its own sshd on 127.0.0.1 from
 * test/helpers/sshd.ts). Everything else is identical: rounds.max 1,
 * maxAttempts 1, no checks (the merge queue and its checks stay on this
 * machine either way; without them they do not compete with the attempts
 * for CPU), the default merge settings, and the same agent environment:
 * the hosts' `env` carries the base variables a local agent gets from this
 * machine that a host's login does not set. The sides alternate in pairs,
 * the first side switching each pair, and the figures are medians over pairs.
 *
 * The hosts' logins skip root's shell startup files (the fixture's
 * bareLogin), as on a host whose ~/.bashrc returns early for a
 * non-interactive shell: bash reads it for every command sshd runs, and a
 * slow one is paid by every session, whatever gaffer does. `--with-rc`
 * keeps this machine's files, to see what they cost. Before the pairs, the
 * floor: one trivial command over a host's master, and started here.
 *
 * Supervised in this process (runMission, test/integration/mission-fixture.ts);
 * every side is verified: the run completed, every unit done with one
 * handed-off attempt on the side's hosts, every file on gaffer/working.
 *
 * An attempt's cost is read from the store. Its row is written once its
 * workspace is ready and ended once its commits are collected and its slot
 * freed; a freed slot is taken again at once while units wait. So an
 * attempt's slot cycle, from the previous attempt's end in the same
 * workspace to its own end, is everything a slot spends on it: the
 * workspace made ready (on a host: the base commit pushed, the workspace
 * prepared), the prompt placed, the agent run (`durationMs` as gaffer timed
 * it; on a host, the ssh session around it), the commits collected. The
 * first attempt of each workspace has no previous end and is left out.
 * RESULT remote_overhead_ms_per_attempt is the mean cycle on the hosts
 * minus the mean cycle here; remote_wall_ratio the missions' wall times.
 * Target: remote_overhead_ms_per_attempt <= 150.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HostSchema, type ConfigInput } from '../src/config/schema.js';
import type { GafferEvent } from '../src/events/types.js';
import { LOCAL_HOST } from '../src/hosts/local-host.js';
import { controlDir, SshConnection } from '../src/hosts/ssh.js';
import type { AttemptRow } from '../src/store/attempts.js';
import { BASE_AGENT_ENV, matchesEnvPattern } from '../src/workers/agent-env.js';
import { runSupervised } from '../src/workers/supervised-process.js';
import { ensureSshd, startSshHost, type SshHost } from '../test/helpers/sshd.js';
import { runMission, writes } from '../test/integration/mission-fixture.js';
import {
  BenchFailure,
  checkFlags,
  cleanup,
  initRepo,
  intFlag,
  keepTempDirs,
  makeTempDir,
  median,
  onCleanup,
  verifyTree,
  type Benchmark,
} from './lib.js';

const DEFAULT_UNITS = 40;
const DEFAULT_PAIRS = 3;
const AGENT_SLEEP_MS = 200;
const LOCAL_SLOTS = 4;
const HOST_NAMES = ['alpha', 'beta'] as const;
const SLOTS_PER_HOST = LOCAL_SLOTS / HOST_NAMES.length;
const TARGET_MS = 150;
/** Commands timed one after another for the floor figures. */
const FLOOR_SAMPLES = 20;
const GAFFER_WORKING = 'gaffer/working';

type SideName = 'local' | 'remote';

/** Means over the attempts that followed another in the same workspace, in ms. */
interface PerAttempt {
  /** From the previous attempt's end in the workspace to this one's end: the slot's whole cost. */
  cycle: number;
  /** From the previous attempt's end to this one's row: the slot taken again and its workspace made ready. */
  ready: number;
  /** The agent's command as gaffer timed it (attempt:ended durationMs). */
  agent: number;
  /** The rest of the row's span: the prompt placed before the agent, the commits collected after it. */
  around: number;
}

interface Side {
  wallMs: number;
  attempts: number;
  /** Attempts that followed another in their workspace: the ones PerAttempt averages. */
  followers: number;
  perAttempt: PerAttempt;
}

interface Pair {
  local: Side;
  remote: Side;
}

/** What every unit writes: files/<id>.txt holding its id (see writes()). */
function expectedFiles(units: number): Map<string, string> {
  const files = new Map<string, string>([['README.md', '# bench\n']]);
  for (let i = 1; i <= units; i += 1) files.set(`files/unit-${i}.txt`, `unit-${i}\n`);
  return files;
}

function planFor(units: number): { units: { id: string; title: string; prompt: string }[] } {
  return {
    units: Array.from({ length: units }, (_, index) => {
      const id = `unit-${index + 1}`;
      return { id, title: id, prompt: `@sleep ${AGENT_SLEEP_MS}\n${writes(id)}` };
    }),
  };
}

/** The settings both sides share; only where the slots are differs. */
const SHARED: Partial<ConfigInput> = {
  rounds: { max: 1 },
  maxAttempts: 1,
  attemptTimeoutMs: 120_000,
  checks: [],
};

/** What a host's login gives every command there (see RUN_SCRIPT), whatever this machine says. */
const LOGIN_VARIABLES = new Set(['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG']);

/**
 * The base variables a local agent gets from this machine beyond what a
 * host's login sets: given to the hosts' agents too (their `env`), so the
 * agent does the same work on both sides. NODE_EXTRA_CA_CERTS alone, set on
 * this machine, adds about 100 ms of CPU to every Node start.
 */
function localBaseVariables(): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !LOGIN_VARIABLES.has(name) && matchesEnvPattern(name, BASE_AGENT_ENV))
      variables[name] = value;
  }
  return variables;
}

function hostsConfig(hosts: readonly SshHost[], workdir: string): NonNullable<ConfigInput['hosts']> {
  const env = localBaseVariables();
  return hosts.map((host, index) => {
    const name = HOST_NAMES[index] ?? `host-${index}`;
    return {
      ...host.configEntry(name, path.join(workdir, name)),
      slots: SLOTS_PER_HOST,
      env,
    };
  });
}

async function runSide(
  side: SideName,
  units: number,
  hosts: readonly SshHost[],
  label: string,
): Promise<Side> {
  const root = makeTempDir(`remote-${label}`);
  const repo = initRepo(path.join(root, 'repo'));
  const placement: Partial<ConfigInput> =
    side === 'local'
      ? { local: { slots: LOCAL_SLOTS } }
      : { local: { slots: 0 }, hosts: hostsConfig(hosts, path.join(root, 'hosts')) };
  const started = performance.now();
  const { result, events, config } = await runMission(repo, planFor(units), { ...SHARED, ...placement });
  const wallMs = performance.now() - started;
  // gaffer leaves its (empty) folder of control sockets in the temp folder.
  fs.rmSync(controlDir(config.stateDir), { recursive: true, force: true });
  try {
    if (result.status !== 'completed')
      throw new BenchFailure(`${label}: the run ended ${result.status}: ${result.reason}`);
    const rows = result.store.attempts.forRun(result.runId);
    verifyAttempts(rows, side, units, label);
    for (let i = 1; i <= units; i += 1) {
      const status = result.store.units.get(result.runId, `unit-${i}`)?.status;
      if (status !== 'done') throw new BenchFailure(`${label}: unit-${i} ended ${status ?? 'unknown'}`);
    }
    verifyTree(repo, GAFFER_WORKING, expectedFiles(units), label);
    return { wallMs, attempts: rows.length, ...perAttempt(rows, agentDurations(events), label) };
  } finally {
    result.store.close();
  }
}

/** One handed-off attempt per unit, each on the side's hosts (both hosts used on the remote side). */
function verifyAttempts(rows: readonly AttemptRow[], side: SideName, units: number, label: string): void {
  const bad = rows.filter((row) => row.outcome !== 'handed-off');
  if (bad.length > 0 || rows.length !== units) {
    const first = bad[0];
    throw new BenchFailure(
      `${label}: ${rows.length} attempts for ${units} units, ${bad.length} not handed off${first === undefined ? '' : ` (${first.unit_id}: ${first.outcome}, ${first.reason})`}`,
    );
  }
  const used = new Set(rows.map((row) => hostOf(row)));
  const expected = side === 'local' ? [LOCAL_HOST] : [...HOST_NAMES];
  if (used.size !== expected.length || expected.some((host) => !used.has(host)))
    throw new BenchFailure(
      `${label}: attempts ran on ${[...used].join(', ')}, expected ${expected.join(', ')}`,
    );
}

/** A remote attempt's worktree is `<host>:<path>`; a local one's a path of this machine. */
function hostOf(row: AttemptRow): string {
  return row.worktree.startsWith('/') ? LOCAL_HOST : row.worktree.slice(0, row.worktree.indexOf(':'));
}

function agentDurations(events: readonly GafferEvent[]): Map<string, number> {
  const durations = new Map<string, number>();
  for (const event of events) {
    if (event.type === 'attempt:ended')
      durations.set(`${event.payload.unitId}#${event.payload.attempt}`, event.payload.durationMs);
  }
  return durations;
}

/** The means of PerAttempt over every attempt that followed another in its workspace. */
function perAttempt(
  rows: readonly AttemptRow[],
  agentMs: ReadonlyMap<string, number>,
  label: string,
): { followers: number; perAttempt: PerAttempt } {
  const byWorkspace = new Map<string, AttemptRow[]>();
  for (const row of rows) byWorkspace.set(row.worktree, [...(byWorkspace.get(row.worktree) ?? []), row]);
  const sums: PerAttempt = { cycle: 0, ready: 0, agent: 0, around: 0 };
  let followers = 0;
  for (const attempts of byWorkspace.values()) {
    const timed = attempts
      .map((row) => ({ row, started: Date.parse(row.started_at), ended: Date.parse(row.ended_at ?? '') }))
      .sort((a, b) => a.started - b.started);
    for (let i = 1; i < timed.length; i += 1) {
      const previous = timed[i - 1];
      const attempt = timed[i];
      if (previous === undefined || attempt === undefined) continue;
      const agent = agentMs.get(`${attempt.row.unit_id}#${attempt.row.number}`);
      if (agent === undefined || Number.isNaN(attempt.ended) || Number.isNaN(previous.ended))
        throw new BenchFailure(`${label}: attempt ${attempt.row.unit_id}#${attempt.row.number} has no end`);
      sums.cycle += attempt.ended - previous.ended;
      sums.ready += attempt.started - previous.ended;
      sums.agent += agent;
      sums.around += attempt.ended - attempt.started - agent;
      followers += 1;
    }
  }
  if (followers === 0) throw new BenchFailure(`${label}: no workspace ran more than one attempt`);
  return {
    followers,
    perAttempt: {
      cycle: sums.cycle / followers,
      ready: sums.ready / followers,
      agent: sums.agent / followers,
      around: sums.around / followers,
    },
  };
}

/**
 * What one command costs over a host's master connection, against the same
 * command started here: `true`, run in turn, each through runSupervised as
 * gaffer runs its commands; medians in ms. An attempt on a host pays a
 * session like this for each of its steps there.
 */
async function sessionFloor(host: SshHost): Promise<{ session: number; local: number }> {
  const stateDir = makeTempDir('remote-floor');
  const config = HostSchema.parse({
    name: 'floor',
    ssh: host.destination,
    port: host.port,
    identityFile: host.identityFile,
    knownHostsFile: host.knownHostsFile,
    workdir: stateDir,
  });
  // A lost master shows as failed sessions below.
  const connection = new SshConnection(config, stateDir, () => undefined);
  const time = async (command: string, args: string[]): Promise<number> => {
    const start = performance.now();
    const result = await runSupervised({ command, args, cwd: stateDir, env: {}, timeoutMs: 60_000 });
    if (result.outcome !== 'exited' || result.exitCode !== 0)
      throw new BenchFailure(`${command} ${args.join(' ')} ended ${result.outcome} ${result.exitCode ?? ''}`);
    return performance.now() - start;
  };
  await connection.connect();
  try {
    const sessions: number[] = [];
    const locals: number[] = [];
    for (let i = 0; i < FLOOR_SAMPLES; i += 1) {
      sessions.push(await time('ssh', [...connection.clientArgs(), 'true']));
      locals.push(await time('true', []));
    }
    return { session: median(sessions), local: median(locals) };
  } finally {
    await connection.close();
    fs.rmSync(controlDir(stateDir), { recursive: true, force: true });
  }
}

const ms = (value: number): string => `${Math.round(value)} ms`;
const signedMs = (value: number): string => `${value >= 0 ? '+' : ''}${ms(value)}`;

function describeSide(side: Side): string {
  const { cycle, ready, agent, around } = side.perAttempt;
  return (
    `${side.attempts} attempts in ${(side.wallMs / 1000).toFixed(2)} s; per attempt (${side.followers} followers): ` +
    `cycle ${ms(cycle)} = workspace ready ${ms(ready)} + agent ${ms(agent)} + prompt and collect ${ms(around)}`
  );
}

/** The median of each PerAttempt figure over the pairs' runs of one side. */
function medianSide(sides: readonly Side[]): PerAttempt {
  const of = (key: keyof PerAttempt): number => median(sides.map((side) => side.perAttempt[key]));
  return { cycle: of('cycle'), ready: of('ready'), agent: of('agent'), around: of('around') };
}

async function run(argv: string[]): Promise<number> {
  checkFlags(argv, { pairs: 'int', units: 'int', 'with-rc': 'bool', keep: 'bool' });
  const pairs = intFlag(argv, 'pairs', DEFAULT_PAIRS);
  const units = intFlag(argv, 'units', DEFAULT_UNITS);
  const keep = argv.includes('--keep');
  const withRc = argv.includes('--with-rc');
  const sshd = await ensureSshd();
  if (!sshd.ok) throw new BenchFailure(`no sshd hosts here: ${sshd.why}`);
  console.log(
    `remote: ${units} units of a ${AGENT_SLEEP_MS} ms scripted agent; ${LOCAL_SLOTS} local slots vs ${HOST_NAMES.length} sshd hosts of ${SLOTS_PER_HOST} slots (local.slots 0); rounds.max 1, maxAttempts 1, no checks; ${pairs} pair(s), alternating which side goes first`,
  );
  console.log(
    withRc
      ? "hosts: logins read root's own shell startup files (--with-rc)"
      : "hosts: logins skip root's shell startup files (--with-rc reads them)",
  );
  const hosts: SshHost[] = [];
  const stopHosts = async (): Promise<void> => {
    await Promise.allSettled(hosts.splice(0).map((host) => host.stop()));
  };
  const forget = onCleanup(stopHosts);
  const samples: Pair[] = [];
  try {
    for (const name of HOST_NAMES) hosts.push(await startSshHost({ name, bareLogin: !withRc }));
    const floor = await sessionFloor(hosts[0] as SshHost);
    console.log(
      `floor: \`true\` over a host's master connection ${ms(floor.session)}, started here ${ms(floor.local)} (medians of ${FLOOR_SAMPLES})`,
    );
    for (let p = 1; p <= pairs; p += 1) {
      const order: SideName[] = p % 2 === 1 ? ['local', 'remote'] : ['remote', 'local'];
      const pair: Partial<Pair> = {};
      for (const side of order) pair[side] = await runSide(side, units, hosts, `${side}-${p}`);
      const { local, remote } = pair as Pair;
      samples.push({ local, remote });
      console.log(`  pair ${p}, local:  ${describeSide(local)}`);
      console.log(`  pair ${p}, remote: ${describeSide(remote)}`);
      console.log(
        `  pair ${p}: ${signedMs(remote.perAttempt.cycle - local.perAttempt.cycle)} per attempt on the hosts, wall ${(remote.wallMs / local.wallMs).toFixed(2)}×; both verified`,
      );
    }
  } finally {
    forget();
    await stopHosts();
    if (keep) for (const dir of keepTempDirs()) console.log(`  kept ${dir}`);
    else await cleanup();
  }
  const local = medianSide(samples.map((pair) => pair.local));
  const remote = medianSide(samples.map((pair) => pair.remote));
  const label = pairs > 1 ? `medians of ${pairs} pairs` : 'one pair';
  for (const [name, figures] of [
    ['local', local],
    ['remote', remote],
  ] as const) {
    console.log(
      `${name.padEnd(6)} (${label}): cycle ${ms(figures.cycle)} = workspace ready ${ms(figures.ready)} + agent ${ms(figures.agent)} + prompt and collect ${ms(figures.around)}`,
    );
  }
  const overhead = median(samples.map((pair) => pair.remote.perAttempt.cycle - pair.local.perAttempt.cycle));
  const wallRatio = median(samples.map((pair) => pair.remote.wallMs / pair.local.wallMs));
  console.log(
    `target (${label}): ${signedMs(overhead)} per attempt on the hosts ${overhead <= TARGET_MS ? '<=' : '>'} ${TARGET_MS} ms; mission wall ${wallRatio.toFixed(2)}× (local ${(median(samples.map((pair) => pair.local.wallMs)) / 1000).toFixed(2)} s, remote ${(median(samples.map((pair) => pair.remote.wallMs)) / 1000).toFixed(2)} s)`,
  );
  console.log(
    `RESULT remote_overhead_ms_per_attempt=${overhead.toFixed(2)} remote_wall_ratio=${wallRatio.toFixed(2)}`,
  );
  return 0;
}

export const remote: Benchmark = {
  name: 'remote',
  summary: `${DEFAULT_UNITS} units on ${LOCAL_SLOTS} local slots vs 2 sshd hosts of ${SLOTS_PER_HOST}; RESULT remote_overhead_ms_per_attempt remote_wall_ratio`,
  flags: [
    `--pairs N    local and remote runs, alternating which goes first; medians (default ${DEFAULT_PAIRS})`,
    `--units N    units per run (default ${DEFAULT_UNITS})`,
    "--with-rc    the hosts' logins read root's shell startup files, as plain sshd does",
    '--keep       leave the temp folders (repositories, state, host workdirs) for inspection',
  ],
  run,
};
