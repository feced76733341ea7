#!/usr/bin/env node
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ExitCode, GafferError, UsageError } from './errors.js';
import { clearStartingLine, showStartingLine, wantsLiveUi } from './report/starting-line.js';
import { redact } from './util/redact.js';
import { toTerminalText } from './util/terminal-text.js';
const HELP = `gaffer: a terminal supervisor for autonomous coding agents

usage:
  gaffer demo [--dir <folder>] [--headless] [--json] [--verbose] [--stay]
  gaffer run --config <file> [--plan <file>] [--headless] [--json] [--verbose] [--new-run] [--adopt] [--stay]
  gaffer run --config <file> --objective "<text>" [--out <file>] [--force] [--yes] [--headless] [--json]
  gaffer plan --objective "<text>" [--config <file>] [--out <file>] [--force]
  gaffer discover [--config <file>] [--plan <file>] [--accept <id> | --reject <id>] [--json]
  gaffer status [--config <file> | --state <folder>] [--run <id>] [--all] [--json]
  gaffer replay [--config <file> | --state <folder>] [--run <id>] [--speed <x>] [--headless] [--json]
  gaffer retry <unit> [--config <file> | --state <folder>]
  gaffer prompt <unit> [--config <file>] [--plan <file>] [--run <id>]
  gaffer clean [--config <file>]
  gaffer doctor --config <file> [--plan <file>]
  gaffer init [--dir <folder>]

options:
  --config <file>   the config file (default: gaffer.json in the current folder)
  --plan <file>     the plan file (default: "plan" in the config)
  --headless        plain log lines, one event per line (the default when stdout is not a terminal,
                    when TERM is dumb or unset, and in CI)
  --json            JSON lines instead of plain lines
  --verbose         also print every line the agents print
  --new-run         start a new run of the plan even if its last run can be resumed or has
                    completed; units whose change is already in the working branch are skipped
  --fresh           the same as --new-run
  --all             gaffer status: every unit, attempt and request (a run of over 50 units shows
                    counts and the units that need you)
  --adopt           use an existing working branch as it is, even if it does not descend from base
  --stay            the screen stays open after the run, with its final state: r on a failed,
                    blocked or killed unit runs it again (the run resumes there), q leaves
  --objective <text> a planner agent writes the plan for it (the config's planner.agent, else agent)
  --out <file>      where the plan from --objective goes (default: --plan, the config's "plan", or
                    plan.json in the current folder)
  --force           replace an existing plan file with the plan from --objective
  --yes             gaffer run --objective: run the written plan at once instead of stopping for review
  --accept <id>     gaffer discover: the waiting proposal joins the plan (runs when the run resumes)
  --reject <id>     gaffer discover: the waiting proposal is dropped (kept in the record)
  --speed <x>       gaffer replay: the recorded pace times x (default 10; no pause between two events
                    lasts over 1 s); without a terminal the events print at once

exit codes: 0 ok, 2 usage, 3 config, 4 plan, 5 not a git repository, 6 branch missing, in use,
clashing or unverified, 7 uncommitted changes, 8 agent not found, 9 check command not found or
unreadable, 10 units failed or unfinished, 11 state folder or database, 12 another gaffer owns the
state folder, 13 a branch or the repository was tampered with, 14 no git identity, 15 an agent cannot log in, 130 interrupted,
1 internal error`;

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
  all: { type: 'boolean', default: false },
  'new-run': { type: 'boolean', default: false },
  adopt: { type: 'boolean', default: false },
  objective: { type: 'string' },
  accept: { type: 'string' },
  reject: { type: 'string' },
  out: { type: 'string' },
  speed: { type: 'string' },
  force: { type: 'boolean', default: false },
  yes: { type: 'boolean', short: 'y', default: false },
  stay: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', default: false },
} as const;

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
  // Each command's modules load only when it runs: `--help` and bad input answer at once.
  if (command === 'retry') return (await import('./commands/state.js')).retryCommand(values, rest);
  if (command === 'prompt') return (await import('./commands/prompt.js')).promptCommand(values, rest);
  if (rest.length > 0)
    throw new UsageError(`unexpected argument "${rest[0]}"; run \`gaffer --help\` for usage`);
  // The first frame, before the heavy modules load; the screen erases it (src/report/starting-line.ts).
  if ((command === 'run' || command === 'demo') && wantsLiveUi(values)) showStartingLine(command);
  switch (command) {
    case 'run':
      return (await import('./commands/run.js')).runCommand(values);
    case 'plan':
      return (await import('./commands/plan.js')).planCommandFromFlags(values);
    case 'discover':
      return (await import('./commands/discover.js')).discoverCommand(values);
    case 'demo':
      return (await import('./commands/run.js')).demoCommand(values);
    case 'status':
      return (await import('./commands/status.js')).statusCommand(values);
    case 'replay':
      return (await import('./commands/replay.js')).replayCommand(values);
    case 'clean':
      return (await import('./commands/state.js')).cleanCommand(values);
    case 'doctor':
      return (await import('./commands/setup.js')).doctorCommand(values);
    case 'init':
      return (await import('./commands/setup.js')).initCommand(values);
    default:
      throw new UsageError(
        `unknown command "${command}": use demo, run, plan, discover, status, replay, retry, prompt, clean, doctor or init`,
      );
  }
}

function readVersion(): string {
  const packageJson = new URL('../../package.json', import.meta.url);
  return (JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

main(process.argv.slice(2)).then(
  (code) => {
    clearStartingLine();
    process.exitCode = code;
  },
  (error: unknown) => {
    clearStartingLine();
    if (error instanceof GafferError) {
      process.stderr.write(`gaffer: ${redact(toTerminalText(error.message, { multiline: true }))}\n`);
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
      `gaffer: internal error: ${redact(toTerminalText(detail, { multiline: true }))}\n(this is a bug in gaffer; set GAFFER_DEBUG=1 for the stack)\n`,
    );
    process.exitCode = ExitCode.internal;
  },
);
