import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig, resolveConfigPaths } from '../../src/config/load.js';
import type { Config, ConfigInput } from '../../src/config/schema.js';
import type { GafferEvent } from '../../src/events/types.js';
import { parsePlan } from '../../src/plan/load.js';
import type { PlanInput } from '../../src/plan/schema.js';
import type { EventBus } from '../../src/events/bus.js';
import { supervise, type SupervisorOptions, type SupervisorResult } from '../../src/supervisor.js';
import { copyTemplateRepo } from '../helpers/repo-template.js';

/**
 * A real git repository in a temporary folder (a copy of one built once per
 * test process) with a fast check: `check.mjs`
 * fails (exit 1, naming the file) when any file under files/ contains BROKEN.
 */
export function makeRepo(): string {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-it-'));
  return copyTemplateRepo('mission-repo', initMissionRepo, repo);
}

/** The repository makeRepo copies: built once per test process. */
function initMissionRepo(repo: string): void {
  const write = (file: string, content: string): void => {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), content);
  };
  write(
    'check.mjs',
    [
      "import fs from 'node:fs';",
      "const dir = 'files';",
      'let bad = 0;',
      'for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {',
      "  if (fs.readFileSync(`${dir}/${name}`, 'utf8').includes('BROKEN')) { console.log(`FAIL ${dir}/${name} contains BROKEN`); bad += 1; }",
      '}',
      "console.log(bad === 0 ? 'all files fine' : `${bad} broken`);",
      'process.exit(bad === 0 ? 0 : 1);',
      '',
    ].join('\n'),
  );
  write('files/base.txt', 'base\n');
  git(repo, 'init', '--quiet', '--initial-branch=main');
  git(repo, 'config', 'user.name', 'gaffer test');
  git(repo, 'config', 'user.email', 'test@gaffer.invalid');
  git(repo, 'add', '-A');
  git(repo, 'commit', '--quiet', '-m', 'initial');
}

export function git(repo: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function branchExists(repo: string, branch: string): boolean {
  return git(repo, 'branch', '--list', branch) !== '';
}

/** The files under files/ on a branch, by name. */
export function filesOn(repo: string, branch: string): string[] {
  return git(repo, 'ls-tree', '--name-only', `${branch}`, 'files/')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^files\//, ''))
    .sort();
}

export const defaultChecks: ConfigInput['checks'] = [
  { name: 'files', command: [process.execPath, 'check.mjs'], timeoutMs: 30_000 },
];

export function makeConfig(repo: string, overrides: Partial<ConfigInput> = {}): Config {
  return resolveConfigPaths(
    parseConfig(
      {
        repo,
        concurrency: 2,
        maxAttempts: 3,
        rounds: { max: 3 },
        checks: defaultChecks,
        killGraceMs: 500,
        ...overrides,
      },
      'test',
    ),
    repo,
  );
}

export interface MissionRun {
  result: SupervisorResult;
  events: GafferEvent[];
  config: Config;
}

/** Runs a whole mission in this process; agents and checks are real subprocesses. */
export async function runMission(
  repo: string,
  plan: PlanInput,
  overrides: Partial<ConfigInput> = {},
  hooks: {
    subscribe?: (bus: EventBus) => void;
    attach?: SupervisorOptions['attach'];
    signal?: AbortSignal;
    /** The plan's file, watched for live edits. */
    planPath?: string;
  } = {},
): Promise<MissionRun> {
  const config = makeConfig(repo, overrides);
  const events: GafferEvent[] = [];
  const result = await supervise({
    config,
    plan: parsePlan(plan, 'test plan'),
    ...(hooks.planPath === undefined ? {} : { planPath: hooks.planPath }),
    signal: hooks.signal ?? new AbortController().signal,
    subscribe: (bus) => {
      bus.onAny((event) => {
        if (event.type !== 'worker:output') events.push(event);
      });
      hooks.subscribe?.(bus);
    },
    attach: hooks.attach,
  });
  return { result, events, config };
}

/** Directives for a unit that writes one file under files/ and commits it. */
export function writes(name: string, content = name): string {
  return [`@write files/${name}.txt ${content}`, `@commit add ${name}`, `@handoff done wrote ${name}`].join(
    '\n',
  );
}

export function eventsOf(events: readonly GafferEvent[], unitId: string): string[] {
  return events
    .filter((event) => (event.payload as { unitId?: string }).unitId === unitId)
    .map((event) => (event.type === 'unit:state' ? `unit:${event.payload.to}` : event.type));
}

export function cleanup(repo: string): void {
  fs.rmSync(repo, { recursive: true, force: true });
}
