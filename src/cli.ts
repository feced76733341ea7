#!/usr/bin/env node
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, parseConfig, resolveConfigPaths } from './config/load.js';
import type { Config } from './config/schema.js';
import { createSample } from './demo/sample.js';
import { retryUnit } from './controller/operator.js';
import { ExitCode, GafferError, StateError, UsageError } from './errors.js';
import { EventBus } from './events/bus.js';
import { branchTip } from './git/git.js';
import { loadPlan } from './plan/load.js';
import type { Plan } from './plan/schema.js';
import { preflight } from './preflight.js';
import { attachHeadlessReporter } from './report/headless.js';
import { formatSummary, summarizeRun } from './report/summary.js';
import { databasePath, SupervisorLock } from './state-dir.js';
import { formatStatus, readStatus } from './status.js';
import { Store } from './store/store.js';
import { supervise } from './supervisor.js';
import { redact } from './util/redact.js';

const HELP = `gaffer: a terminal supervisor for autonomous coding agents

usage:
  gaffer demo [--dir <folder>] [--headless] [--json] [--verbose]
  gaffer run --config <file> [--plan <file>] [--headless] [--json] [--verbose] [--fresh]
  gaffer status [--config <file> | --state <folder>] [--run <id>] [--json]
  gaffer retry <unit> [--config <file> | --state <folder>]
  gaffer doctor --config <file> [--plan <file>]
  gaffer init [--dir <folder>]

options:
  --config <file>   the config file (default: gaffer.json in the current folder)
  --plan <file>     the plan file (default: "plan" in the config)
  --headless        plain log lines, one event per line (the default when stdout is not a terminal)
  --json            JSON lines instead of plain lines
  --verbose         also print every line the agents print
  --fresh           start a new run even if the last one can be resumed

exit codes: 0 ok, 2 usage, 3 config, 4 plan, 5 not a git repository, 6 branch missing or in use,
7 uncommitted changes, 8 agent not found, 9 check command not found, 10 units failed or unfinished,
11 state database, 12 another gaffer owns the state folder, 130 interrupted, 1 internal error`;

const options = {
  config: { type: 'string' },
  plan: { type: 'string' },
  state: { type: 'string' },
  run: { type: 'string' },
  dir: { type: 'string' },
  headless: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  fresh: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', default: false },
} as const;

type Flags = ReturnType<typeof parseFlags>['values'];

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's advice about positionals that start with '-' only misleads for a mistyped flag.
    const message = (error instanceof Error ? error.message : String(error)).replace(
      /\. To specify a positional argument[\s\S]*$/,
      '',
    );
    throw new UsageError(`${message}; run \`gaffer --help\` for usage`);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv);
  const [command, ...rest] = positionals;
  if (values.version) {
    process.stdout.write(`${readVersion()}\n`);
    return ExitCode.ok;
  }
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return command === undefined && !values.help ? ExitCode.usage : ExitCode.ok;
  }
  if (command === 'retry') return retryCommand(values, rest);
  if (rest.length > 0)
    throw new UsageError(`unexpected argument "${rest[0]}"; run \`gaffer --help\` for usage`);
  switch (command) {
    case 'run':
      return runCommand(values);
    case 'demo':
      return demoCommand(values);
    case 'status':
      return statusCommand(values);
    case 'doctor':
      return doctorCommand(values);
    case 'init':
      return initCommand(values);
    default:
      throw new UsageError(`unknown command "${command}": use demo, run, status, retry, doctor or init`);
  }
}

function configPathOf(flags: Flags): string {
  return path.resolve(flags.config ?? 'gaffer.json');
}

function loadPlanFor(config: Config, flags: Flags, baseDir: string): Plan {
  const planPath = flags.plan ? path.resolve(flags.plan) : config.plan;
  if (!planPath) {
    throw new UsageError(
      `no plan: set "plan" in the config (a path relative to ${baseDir}) or pass --plan <file>`,
    );
  }
  return loadPlan(planPath);
}

async function runCommand(flags: Flags): Promise<number> {
  const { config, baseDir } = loadConfig(configPathOf(flags));
  const plan = loadPlanFor(config, flags, baseDir);
  return runMission(config, plan, flags);
}

async function demoCommand(flags: Flags): Promise<number> {
  const sample = await createSample(flags.dir ? path.resolve(flags.dir) : undefined);
  const config = resolveConfigPaths(
    parseConfig(JSON.parse(fs.readFileSync(sample.configPath, 'utf8')), sample.configPath),
    sample.root,
  );
  const plan = loadPlan(sample.planPath);
  if (!flags.json) process.stdout.write(`gaffer demo: sample repository at ${sample.repo}\n`);
  const code = await runMission(config, plan, flags);
  if (!flags.json) {
    process.stdout.write(
      `\nThe demo's failures are by design. Look around:\n  git -C ${sample.repo} log --oneline --graph --all\n  node ${process.argv[1] ?? 'gaffer'} status --config ${sample.configPath}\n`,
    );
  }
  return code === ExitCode.unitsUnfinished ? ExitCode.ok : code;
}

async function runMission(config: Config, plan: Plan, flags: Flags): Promise<number> {
  const stop = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write(
        `\ngaffer: ${signal}: stopping (attempts end, state stays resumable); press Ctrl-C again to force\n`,
      );
      stop.abort();
    } else {
      process.stderr.write('gaffer: forced to quit\n');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const write = (line: string): void => {
    process.stdout.write(`${redact(line)}\n`);
  };
  try {
    const result = await supervise({
      config,
      plan,
      signal: stop.signal,
      fresh: flags.fresh,
      subscribe: (bus) => attachHeadlessReporter(bus, { json: flags.json, verbose: flags.verbose, write }),
      onListenerError: (error) => process.stderr.write(`gaffer: a reporter failed: ${String(error)}\n`),
    });
    try {
      const summary = summarizeRun(result.store, result.runId, {
        greenCommit: (await branchTip(config.repo, config.branches.green)) ?? null,
        workingCommit: (await branchTip(config.repo, config.branches.working)) ?? null,
        databasePath: result.databasePath,
      });
      write(flags.json ? JSON.stringify({ type: 'summary', ...summary }) : `\n${formatSummary(summary)}`);
      if (result.status === 'interrupted') return 130;
      const unfinished =
        summary.units.failed +
        summary.units.blocked +
        summary.units.pending +
        summary.units.killed +
        summary.units.merging;
      return unfinished === 0 ? ExitCode.ok : ExitCode.unitsUnfinished;
    } finally {
      result.store.close();
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function stateDirOf(flags: Flags): string {
  if (flags.state) return path.resolve(flags.state);
  if (flags.config || fs.existsSync('gaffer.json')) return loadConfig(configPathOf(flags)).config.stateDir;
  return path.resolve('.gaffer');
}

function retryCommand(flags: Flags, units: string[]): number {
  if (units.length === 0) throw new UsageError('name the unit to retry: `gaffer retry <unit>`');
  const stateDir = stateDirOf(flags);
  const hasConfig = flags.config !== undefined || fs.existsSync('gaffer.json');
  const maxAttempts = hasConfig ? loadConfig(configPathOf(flags)).config.maxAttempts : 3;
  const databaseFile = databasePath(stateDir);
  if (!fs.existsSync(databaseFile)) {
    throw new StateError(`no state database at ${databaseFile}: run \`gaffer run\` first`);
  }
  const lock = SupervisorLock.acquire(stateDir);
  const store = Store.open(databaseFile);
  try {
    const bus = new EventBus();
    const write = (line: string): void => {
      process.stdout.write(`${redact(line)}\n`);
    };
    attachHeadlessReporter(bus, { json: flags.json, verbose: false, write });
    for (const unit of units) retryUnit(store, bus, unit, maxAttempts);
    if (!flags.json) write('run `gaffer run` with the same config and plan to continue');
    return ExitCode.ok;
  } finally {
    store.close();
    lock.release();
  }
}

function statusCommand(flags: Flags): number {
  const stateDir = stateDirOf(flags);
  const store = Store.open(databasePath(stateDir), { readonly: true });
  try {
    const runId = flags.run === undefined ? undefined : Number.parseInt(flags.run, 10);
    if (runId !== undefined && !Number.isInteger(runId))
      throw new UsageError(`--run takes a run number, not "${flags.run}"`);
    const report = readStatus(store, runId);
    if (!report) {
      process.stdout.write(flags.json ? 'null\n' : `no runs recorded in ${stateDir} yet\n`);
      return ExitCode.ok;
    }
    process.stdout.write(`${redact(flags.json ? JSON.stringify(report, null, 2) : formatStatus(report))}\n`);
    return ExitCode.ok;
  } finally {
    store.close();
  }
}

async function doctorCommand(flags: Flags): Promise<number> {
  const { config, baseDir } = loadConfig(configPathOf(flags));
  const plan = config.plan || flags.plan ? loadPlanFor(config, flags, baseDir) : undefined;
  const report = await preflight(config, plan, config.repo);
  for (const line of report.passed) process.stdout.write(`ok  ${line}\n`);
  if (plan) process.stdout.write(`ok  plan "${plan.name}": ${plan.units.length} units, no cycles\n`);
  return ExitCode.ok;
}

function initCommand(flags: Flags): number {
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

function readVersion(): string {
  const packageJson = new URL('../../package.json', import.meta.url);
  return (JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof GafferError) {
      process.stderr.write(`gaffer: ${redact(error.message)}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    const detail =
      error instanceof Error
        ? process.env.GAFFER_DEBUG
          ? (error.stack ?? error.message)
          : error.message
        : String(error);
    process.stderr.write(
      `gaffer: internal error: ${redact(detail)}\n(this is a bug in gaffer; set GAFFER_DEBUG=1 for the stack)\n`,
    );
    process.exitCode = ExitCode.internal;
  },
);
