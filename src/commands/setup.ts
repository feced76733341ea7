import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { HostConfig } from '../config/schema.js';
import { ExitCode, GafferError, UsageError } from '../errors.js';
import { checkHost } from '../hosts/host-doctor.js';
import { agentsOf, preflight } from '../preflight.js';
import { checkAgent, type AgentCheckLine } from '../workers/agents/doctor.js';
import { configPathOf, loadPlanFor, type Flags } from './common.js';

export async function doctorCommand(flags: Flags): Promise<number> {
  const { config, baseDir } = loadConfig(configPathOf(flags));
  const plan = config.plan || flags.plan ? loadPlanFor(config, flags, baseDir) : undefined;
  const report = await preflight(config, plan, config.repo);
  for (const line of report.passed) process.stdout.write(`ok  ${line}\n`);
  if (plan) process.stdout.write(`ok  plan "${plan.name}": ${plan.units.length} units, no cycles\n`);
  const agentLines = (
    await Promise.all(
      agentsOf(config, plan).map((agent) =>
        checkAgent(agent, { cwd: report.repo, supervisorEnv: process.env }),
      ),
    )
  ).flat();
  // Every host at once: each may take its whole connect timeout.
  const hostLines = await Promise.all(config.hosts.map((host) => checkHost(host, config.agent)));
  for (const line of [...agentLines, ...hostLines.flat()])
    process.stdout.write(`${DOCTOR_PREFIX[line.level]}${line.text}\n`);
  const failedAgent = agentLines.filter((line) => line.level === 'fail');
  const hostProblem = unusableHosts(config.hosts, hostLines);
  // The agent's failure stops a run; a host's only loses its slots: the exit code says the worse.
  if (failedAgent.length > 0) {
    throw new GafferError(
      `${failedAgent.map((line) => line.text).join('; ')}${hostProblem === undefined ? '' : `; also ${hostProblem}`}; then run \`gaffer doctor\` again`,
      'agent-auth',
      ExitCode.agentAuth,
    );
  }
  if (hostProblem !== undefined)
    throw new GafferError(
      `${hostProblem}; then run \`gaffer doctor\` again`,
      'host-unusable',
      ExitCode.hostUnusable,
    );
  return ExitCode.ok;
}

/** What is wrong with each failing host, and that a run goes on without it; undefined when none fails. */
function unusableHosts(
  hosts: readonly HostConfig[],
  linesByHost: readonly AgentCheckLine[][],
): string | undefined {
  const failing = linesByHost.map((lines) => lines.filter((line) => line.level === 'fail'));
  const names = hosts.filter((_, index) => (failing[index]?.length ?? 0) > 0).map((host) => host.name);
  if (names.length === 0) return undefined;
  const problems = failing.flat().map((line) => line.text);
  const which = names.length === 1 ? `host ${names.join('')}: fix it` : `hosts ${names.join(', ')}: fix them`;
  return `${problems.join('; ')}; \`gaffer run\` would skip ${which}`;
}

const DOCTOR_PREFIX: Record<AgentCheckLine['level'], string> = { ok: 'ok  ', warn: 'warn ', fail: 'FAIL ' };

export function initCommand(flags: Flags): number {
  const dir = path.resolve(flags.dir ?? '.');
  const configFile = path.join(dir, 'gaffer.json');
  const planFile = path.join(dir, 'plan.json');
  for (const file of [configFile, planFile]) {
    if (fs.existsSync(file))
      throw new UsageError(`${file} already exists: edit it, or remove it and run \`gaffer init\` again`);
  }
  fs.mkdirSync(dir, { recursive: true });
  const config = {
    repo: '.',
    plan: 'plan.json',
    agent: { kind: 'claude' },
    checks: [{ name: 'tests', command: ['npm', 'test'] }],
  };
  const plan = {
    name: 'my-plan',
    units: [
      {
        id: 'first-unit',
        title: 'Describe the first piece of work',
        prompt: 'What the agent should do.',
        depends_on: [],
      },
    ],
  };
  fs.writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  fs.writeFileSync(planFile, `${JSON.stringify(plan, null, 2)}\n`);
  process.stdout.write(
    `wrote ${configFile} and ${planFile}: edit them, then \`gaffer doctor\` and \`gaffer run\`\n`,
  );
  return ExitCode.ok;
}
