/**
 * What `gaffer doctor` checks of each worker host: one plain ssh connection
 * with the options of a run (so a host key it does not know, a refused key or
 * a dead address fails here as it would there), running the run's own probe
 * (git, the agent's command, the workdir) plus the agent's `--version`. A run
 * skips a host that fails; doctor says so before the run starts. Nothing of
 * the agent's environment crosses: the command line holds only the agent's
 * command, the workdir and the host's own PATH.
 */
import os from 'node:os';
import { execa } from 'execa';
import type { AgentConfig, HostConfig } from '../config/schema.js';
import { redact } from '../util/redact.js';
import { agentExecutable } from '../workers/agents/index.js';
import { AGENT_CHECK_TIMEOUT_MS, type AgentCheckLine } from '../workers/agents/doctor.js';
import {
  DOCTOR_PROBE_SCRIPT,
  readProbe,
  remoteCommand,
  toolProblems,
  workdirProblem,
  type ProbeFindings,
} from './remote-scripts.js';
import { describeSshFailure, sshOptions } from './ssh.js';

/**
 * A hang bound for the whole check of one host: ssh gives up connecting
 * after 15 s and the agent's `--version` is ended on the host after 20 s,
 * so a host that answers at all answers well within it.
 */
export const HOST_CHECK_TIMEOUT_MS = 60_000;
/** Less than this free in the workdir is a warning: each slot holds a checkout and what its setup installs. */
const LOW_DISK_KIB = 2 * 1024 * 1024;

export interface HostCheckOptions {
  timeoutMs?: number;
  /** How long the agent's `--version` may take on the host. */
  versionTimeoutMs?: number;
}

export async function checkHost(
  host: HostConfig,
  agent: AgentConfig,
  options: HostCheckOptions = {},
): Promise<AgentCheckLine[]> {
  const lines = [...(await probeLines(host, agent, options)), ...forwardAgentLines(host)];
  return lines.map((line) => ({ level: line.level, text: redact(line.text) }));
}

async function probeLines(
  host: HostConfig,
  agent: AgentConfig,
  options: HostCheckOptions,
): Promise<AgentCheckLine[]> {
  const timeoutMs = options.timeoutMs ?? HOST_CHECK_TIMEOUT_MS;
  const versionTimeoutSec = Math.ceil((options.versionTimeoutMs ?? AGENT_CHECK_TIMEOUT_MS) / 1000);
  const command = agentExecutable(agent);
  // A `command` agent is any program: `--version` might start it on a prompt. The local doctor does not ask it either.
  const askVersion = agent.kind !== 'command';
  const script = remoteCommand(DOCTOR_PROBE_SCRIPT, [
    command,
    host.workdir,
    host.env.PATH ?? '',
    askVersion ? 'yes' : 'no',
    String(versionTimeoutSec),
  ]);
  const ran = await execa('ssh', [...sshOptions(host), host.ssh, script], {
    cwd: os.tmpdir(),
    stdin: 'ignore',
    reject: false,
    timeout: timeoutMs,
    forceKillAfterDelay: 2_000,
    maxBuffer: 1_000_000,
  });
  const where = `host ${host.name} (${host.ssh} port ${host.port})`;
  if (ran.timedOut) return [{ level: 'fail', text: `${where} did not answer within ${timeoutMs / 1000} s` }];
  // 255 is ssh's own failure; the probe exits 0, or 3 when something is missing.
  if (ran.exitCode !== 0 && ran.exitCode !== 3)
    return [
      {
        level: 'fail',
        text:
          ran.exitCode === 255
            ? describeSshFailure(host, ran.stderr)
            : `${where}: the probe failed (${ran.exitCode === undefined ? 'ssh could not run' : `exit ${ran.exitCode}`}): ${(ran.stderr || ran.stdout).trim().slice(0, 300)}`,
      },
    ];
  const found = readProbe(ran.stdout);
  return [
    { level: 'ok', text: `${where}: reachable, key accepted, host key known` },
    ...toolLines(host, command, found, versionTimeoutSec),
    workdirLine(host, found),
  ];
}

function toolLines(
  host: HostConfig,
  command: string,
  found: ProbeFindings,
  versionTimeoutSec: number,
): AgentCheckLine[] {
  const lines: AgentCheckLine[] = [];
  const tools: string[] = [];
  let level: AgentCheckLine['level'] = 'ok';
  if (found.git !== undefined) tools.push(found.git);
  if (found.agentPath !== undefined) {
    const version = agentVersion(command, found.version, versionTimeoutSec);
    if (version.level === 'warn') level = 'warn';
    tools.push(`agent ${found.agentPath}${version.text}`);
  }
  if (tools.length > 0) lines.push({ level, text: `host ${host.name}: ${tools.join('; ')}` });
  for (const problem of toolProblems(host, command, found)) lines.push({ level: 'fail', text: problem });
  return lines;
}

/** " 2.1.197", or why the version is unknown; empty when it was not asked. */
function agentVersion(command: string, said: string | undefined, timeoutSec: number): AgentCheckLine {
  if (said === undefined) return { level: 'ok', text: '' };
  if (said === 'hung')
    return { level: 'warn', text: ` (\`${command} --version\` did not answer within ${timeoutSec} s)` };
  const [code, ...words] = said.split(' ');
  const output = words.join(' ').trim();
  const version = /\d+\.\d+\.\d+[\w.+-]*/.exec(output)?.[0];
  if (code === '0' && version !== undefined) return { level: 'ok', text: ` ${version}` };
  return {
    level: 'warn',
    text: ` (could not read its version: \`${command} --version\` exited ${code ?? '?'}${output === '' ? '' : `: ${output.slice(0, 200)}`})`,
  };
}

function workdirLine(host: HostConfig, found: ProbeFindings): AgentCheckLine {
  if (found.missingWorkdir) return { level: 'fail', text: workdirProblem(host) };
  const kib = found.diskKiB;
  if (kib === undefined || Number.isNaN(kib))
    return { level: 'warn', text: `host ${host.name}: could not read the free space in ${host.workdir}` };
  const gib = `${(kib / 1024 / 1024).toFixed(1)} GiB`;
  if (kib < LOW_DISK_KIB)
    return {
      level: 'warn',
      text: `host ${host.name}: only ${gib} free in ${host.workdir}; each slot holds a checkout of the repository and what its setup installs: free some space`,
    };
  return { level: 'ok', text: `host ${host.name}: ${gib} free in ${host.workdir}` };
}

function forwardAgentLines(host: HostConfig): AgentCheckLine[] {
  if (!host.forwardAgent) return [];
  return [
    {
      level: 'warn',
      text: `host ${host.name}: forwardAgent is on: while a run is connected, root on the host and every agent running there can use the keys of your ssh-agent; turn it off unless attempts need it`,
    },
  ];
}
