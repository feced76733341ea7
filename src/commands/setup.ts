import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { ExitCode, GafferError, UsageError } from '../errors.js';
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
  for (const line of agentLines) process.stdout.write(`${DOCTOR_PREFIX[line.level]}${line.text}\n`);
  const failed = agentLines.filter((line) => line.level === 'fail');
  if (failed.length > 0) {
    throw new GafferError(
      `${failed.map((line) => line.text).join('; ')}; then run \`gaffer doctor\` again`,
      'agent-auth',
      ExitCode.agentAuth,
    );
  }
  return ExitCode.ok;
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
