/**
 * One attempt's own steps on a worker host against the same steps on this
 * machine, one attempt at a time: acquire a slot's workspace at the base,
 * run a command there that commits (the prompt written first), collect the
 * commit, release. Alternating local and remote, medians per step. Where
 * `remote` measures whole missions whose attempts share two cores with the
 * hosts' sshd, git and shells, this measures what a remote attempt adds by
 * itself when nothing else competes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { describeSource } from '../src/git/source-repo.js';
import { LocalHost } from '../src/hosts/local-host.js';
import { RemoteHost } from '../src/hosts/remote-host.js';
import { controlDir } from '../src/hosts/ssh.js';
import type { WorkerHost } from '../src/hosts/worker-host.js';
import { Workspaces } from '../src/workers/workspaces.js';
import { ensureSshd, startSshHost } from '../test/helpers/sshd.js';
import { git, makeRepo } from '../test/integration/mission-fixture.js';
import { BenchFailure, checkFlags, intFlag, median, onCleanup, type Benchmark } from './lib.js';

const DEFAULT_ROUNDS = 20;

interface Steps {
  acquire: number;
  run: number;
  collect: number;
}

async function attemptSteps(host: WorkerHost, base: string, index: number): Promise<Steps> {
  const start = performance.now();
  const place = await host.acquire(1, `u${index}`, 1, base);
  const acquired = performance.now();
  await place.placePrompt(`/unused/u${index}.md`, 'the prompt');
  const result = await place.run({
    command: 'sh',
    args: [
      '-c',
      `echo ${index} > files/u${index}.txt && git add -A && git -c user.name=b -c user.email=b@b commit -qm u${index}`,
    ],
    env: place.environment({ passEnv: [], env: {} }, {}),
    graceMs: 500,
  });
  const ran = performance.now();
  const collected = await place.collect(base);
  const done = performance.now();
  place.release();
  if (result.exitCode !== 0 || !collected.ok || collected.commits !== 1)
    throw new BenchFailure(
      `attempt ${index} on ${host.name} did not commit (exit ${result.exitCode ?? 'none'})`,
    );
  return { acquire: acquired - start, run: ran - acquired, collect: done - ran };
}

function medians(rows: readonly Steps[]): Steps & { total: number } {
  const of = (key: keyof Steps): number => median(rows.map((row) => row[key]));
  return {
    acquire: of('acquire'),
    run: of('run'),
    collect: of('collect'),
    total: median(rows.map((row) => row.acquire + row.run + row.collect)),
  };
}

const ms = (value: number): string => `${Math.round(value)} ms`;
const describe = (steps: Steps & { total: number }): string =>
  `${ms(steps.total)} = acquire ${ms(steps.acquire)} + run ${ms(steps.run)} + collect ${ms(steps.collect)}`;

async function run(argv: string[]): Promise<number> {
  checkFlags(argv, { rounds: 'int' });
  const rounds = intFlag(argv, 'rounds', DEFAULT_ROUNDS);
  const sshd = await ensureSshd();
  if (!sshd.ok) throw new BenchFailure(`no sshd host here: ${sshd.why}`);
  const sshHost = await startSshHost({ name: 'steps', bareLogin: true });
  const repo = makeRepo();
  const stateDir = path.join(repo, '.gaffer');
  fs.mkdirSync(stateDir, { recursive: true });
  const source = await describeSource(repo);
  const [hostConfig] = parseConfig({ hosts: [sshHost.configEntry('steps')] }, 'bench').hosts;
  if (hostConfig === undefined) throw new BenchFailure('no host config');
  const remote = new RemoteHost(hostConfig, {
    stateDir,
    source,
    agentCommand: 'sh',
    graceMs: 500,
    onState: () => undefined,
    onNote: () => undefined,
  });
  const local = new LocalHost(new Workspaces(source, stateDir), 1);
  const stop = async (): Promise<void> => {
    await remote.close();
    await sshHost.stop();
    fs.rmSync(controlDir(stateDir), { recursive: true, force: true });
    fs.rmSync(repo, { recursive: true, force: true });
  };
  const forget = onCleanup(stop);
  try {
    await remote.start();
    if (remote.state !== 'up') throw new BenchFailure(`the host is not up: ${remote.downReason ?? ''}`);
    const base = git(repo, 'rev-parse', 'HEAD');
    // The base sent once, as the working branch's moves are during a run (offerBase), and one warm-up each.
    remote.offerBase(base);
    await attemptSteps(local, base, 0);
    await attemptSteps(remote, base, 1);
    const locals: Steps[] = [];
    const remotes: Steps[] = [];
    for (let index = 0; index < rounds; index += 1) {
      const first = index % 2 === 0 ? local : remote;
      const second = first === local ? remote : local;
      for (const host of [first, second])
        (host === local ? locals : remotes).push(
          await attemptSteps(host, base, 2 + index * 2 + (host === local ? 0 : 1)),
        );
    }
    const l = medians(locals);
    const r = medians(remotes);
    console.log(
      `remote-steps: one attempt at a time, ${rounds} each, alternating; a command that commits one file`,
    );
    console.log(`local  (median): ${describe(l)}`);
    console.log(`remote (median): ${describe(r)}`);
    console.log(`RESULT remote_step_overhead_ms_per_attempt=${(r.total - l.total).toFixed(2)}`);
    return 0;
  } finally {
    forget();
    await stop();
  }
}

export const remoteSteps: Benchmark = {
  name: 'remote-steps',
  summary:
    'one attempt at a time: acquire, run (prompt first), collect on an sshd host vs here; RESULT remote_step_overhead_ms_per_attempt',
  flags: [`--rounds N   attempts per side, alternating (default ${DEFAULT_ROUNDS})`],
  run,
};
