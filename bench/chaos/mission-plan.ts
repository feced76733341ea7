/**
 * The chaos mission: a node project without package.json (modules under
 * src/, their tests under test/, run by `node --test`) and a plan whose units
 * each add a module, its test and a marker line, with every case a crash can
 * get wrong: a conflict pair (both rewrite the line of src/shared.js), a unit
 * that fails its first attempt, a red unit (its test fails, so every merge is
 * rejected) with a dependent it blocks, dependency waves, and agents that
 * sleep so kills land mid-attempt.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gitSync } from '../lib.js';
import type { Random } from './random.js';

export type UnitRole = 'plain' | 'clash' | 'fail-first' | 'red' | 'after-red';

export interface ChaosUnit {
  id: string;
  role: UnitRole;
  dependsOn: string[];
  /** How long the agent sleeps before writing, so a kill can land while it works. */
  sleepMs: number;
}

export interface MissionSettings {
  batchSize: number;
  verifiers: number;
  concurrency: number;
  maxAttempts: number;
  maxRounds: number;
}

/** Where a mission lives: the repository and, beside it, the config and plan gaffer is started with. */
export interface MissionFiles {
  dir: string;
  repo: string;
  configPath: string;
  planPath: string;
  stateDir: string;
}

export const WORKING_BRANCH = 'gaffer/working';
export const GREEN_BRANCH = 'gaffer/green';
export const SHARED_FILE = 'src/shared.js';
/** The test a red unit adds: green must never hold it. */
export const RED_TEST = 'test/red.test.js';

const BASE_SHARED = "exports.flavour = 'plain';\n";

/** The units of a mission; `small` keeps one of each case and a short wave (the test suite's size). */
export function missionUnits(random: Random, small: boolean): ChaosUnit[] {
  const unit = (id: string, role: UnitRole, dependsOn: string[] = []): ChaosUnit => ({
    id,
    role,
    dependsOn,
    sleepMs: random.pick([0, 0, 200, 500, 900, 1400]),
  });
  const cases = [
    unit('clash-a', 'clash'),
    unit('clash-b', 'clash'),
    unit('fail-first', 'fail-first'),
    unit('red', 'red'),
    unit('after-red', 'after-red', ['red']),
  ];
  if (small) return [...cases, unit('base-1', 'plain'), unit('wave-1', 'plain', ['base-1', 'fail-first'])];
  return [
    ...cases,
    unit('base-1', 'plain'),
    unit('base-2', 'plain'),
    unit('wave-1', 'plain', ['base-1']),
    unit('wave-2', 'plain', ['base-1', 'base-2']),
    unit('wave-3', 'plain', ['wave-1', 'fail-first']),
    unit('late-1', 'plain', ['wave-2', 'clash-b']),
    unit('late-2', 'plain', ['wave-3']),
  ];
}

/** How a unit must end, whatever the kills did. */
export function expectedStatus(unit: ChaosUnit): 'done' | 'failed' | 'blocked' {
  switch (unit.role) {
    case 'red':
      return 'failed';
    case 'after-red':
      return 'blocked';
    case 'plain':
    case 'clash':
    case 'fail-first':
      return 'done';
    default: {
      const unreachable: never = unit.role;
      return unreachable;
    }
  }
}

/** The strikes the unit's own script earns; any more came from a crash. */
export function scriptedStrikes(unit: ChaosUnit, maxAttempts: number): number {
  switch (unit.role) {
    case 'red':
      return maxAttempts;
    case 'fail-first':
      return 1;
    case 'plain':
    case 'clash':
    case 'after-red':
      return 0;
    default: {
      const unreachable: never = unit.role;
      return unreachable;
    }
  }
}

export function modulePath(id: string): string {
  return `src/${id}.js`;
}

export function moduleContent(id: string): string {
  return `exports.value = '${id}';\n`;
}

export function testPath(id: string): string {
  return `test/${id}.test.js`;
}

/** One line per merge of the unit: the file is appended to, so a second merge shows as a second line. */
export function markPath(id: string): string {
  return `marks/${id}.txt`;
}

export function markLine(id: string): string {
  return `${id} merged`;
}

export function sharedContent(id: string): string {
  return `exports.flavour = '${id}';\n`;
}

/** The commit message every attempt of the unit uses: its commits in working's history are counted by it. */
export function commitSubject(id: string): string {
  return `${id}: module and test`;
}

/** The module and test a unit writes, with their content: both must be in working once it is done. */
export function ownFiles(unit: ChaosUnit): [string, string][] {
  return [
    [modulePath(unit.id), moduleContent(unit.id)],
    [testPath(unit.id), `${testSource(unit)}\n`],
  ];
}

function testSource(unit: ChaosUnit): string {
  const { id } = unit;
  // The red unit's test expects another value: it fails wherever it lands.
  const expected = unit.role === 'red' ? 'not red' : id;
  return [
    "const test = require('node:test');",
    "const assert = require('node:assert');",
    `const { value } = require('../src/${id}.js');`,
    `test('${id}', () => assert.strictEqual(value, '${expected}'));`,
  ].join('\n');
}

/** The scripted agent's directives (src/workers/scripted-agent.ts); `\n` in a @write is a newline. */
export function unitPrompt(unit: ChaosUnit): string {
  const lines = [`Add the module ${unit.id} and its test.`];
  if (unit.role === 'fail-first') lines.push('@attempt 1 @exit 1');
  if (unit.sleepMs > 0) lines.push(`@sleep ${unit.sleepMs}`);
  lines.push(`@write ${modulePath(unit.id)} ${moduleContent(unit.id).trimEnd()}`);
  lines.push(`@write ${testPath(unit.id)} ${testSource(unit).replaceAll('\n', '\\n')}`);
  if (unit.role === 'clash') lines.push(`@write ${SHARED_FILE} ${sharedContent(unit.id).trimEnd()}`);
  lines.push(`@append ${markPath(unit.id)} ${markLine(unit.id)}`);
  lines.push(`@commit ${commitSubject(unit.id)}`);
  return lines.join('\n');
}

/** The check gaffer runs and the harness runs again on every green: node's own test runner. */
export function checkCommand(): string[] {
  return [process.execPath, '--test', '--test-reporter=spec'];
}

/** A fresh repository with the base project, and the config and plan beside it. */
export function createMission(
  dir: string,
  units: readonly ChaosUnit[],
  settings: MissionSettings,
): MissionFiles {
  const repo = path.join(dir, 'repo');
  fs.mkdirSync(path.join(repo, 'src'), { recursive: true });
  fs.mkdirSync(path.join(repo, 'test'), { recursive: true });
  fs.writeFileSync(path.join(repo, SHARED_FILE), BASE_SHARED);
  fs.writeFileSync(
    path.join(repo, 'test', 'shared.test.js'),
    [
      "const test = require('node:test');",
      "const assert = require('node:assert');",
      "test('shared', () => assert.strictEqual(typeof require('../src/shared.js').flavour, 'string'));",
      '',
    ].join('\n'),
  );
  gitSync(dir, ['init', '--quiet', '--initial-branch=main', repo]);
  gitSync(repo, ['config', 'user.name', 'gaffer chaos']);
  gitSync(repo, ['config', 'user.email', 'chaos@gaffer.invalid']);
  gitSync(repo, ['add', '-A']);
  gitSync(repo, ['commit', '--quiet', '-m', 'base project']);

  const planPath = path.join(dir, 'plan.json');
  const plan = {
    name: 'chaos',
    units: units.map((unit) => ({
      id: unit.id,
      title: `${unit.role} unit ${unit.id}`,
      prompt: unitPrompt(unit),
      depends_on: unit.dependsOn,
    })),
  };
  fs.writeFileSync(planPath, `${JSON.stringify(plan, null, 2)}\n`);
  const configPath = path.join(dir, 'gaffer.json');
  const config = {
    repo: 'repo',
    plan: 'plan.json',
    branches: { base: 'main', working: WORKING_BRANCH, green: GREEN_BRANCH },
    concurrency: settings.concurrency,
    maxAttempts: settings.maxAttempts,
    attemptTimeoutMs: 120_000,
    killGraceMs: 300,
    rounds: { max: settings.maxRounds },
    merge: { batchSize: settings.batchSize, verifiers: settings.verifiers },
    checks: [{ name: 'tests', command: checkCommand(), parser: 'node-test', timeoutMs: 120_000 }],
  };
  fs.writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  return { dir, repo, configPath, planPath, stateDir: path.join(repo, '.gaffer') };
}
