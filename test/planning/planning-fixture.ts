import fs from 'node:fs';
import path from 'node:path';
import { parseConfig, resolveConfigPaths } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { PROJECT_ROOT, git, makeRepo, makeTempDir } from '../helpers/cli.js';

/** The fake planner or discovery agent (test/fixtures/agents/fake-planner.cjs). */
export const FAKE_PLANNER = path.join(PROJECT_ROOT, 'test', 'fixtures', 'agents', 'fake-planner.cjs');
export const FAKE_CLAUDE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'agents', 'fake-claude.cjs');

export function fakePlannerAgent(stateDir: string): Record<string, unknown> {
  return {
    kind: 'command',
    command: process.execPath,
    args: [FAKE_PLANNER],
    env: { FAKE_PLANNER_STATE: stateDir },
  };
}

export interface PlanningSandbox {
  root: string;
  repo: string;
  stateDir: string;
  /** Where the fake planner saves the prompts it got. */
  promptsDir: string;
  baseCommit: string;
  config(overrides?: Record<string, unknown>): Config;
  /** The prompts the fake planner got, in order. */
  prompts(): string[];
}

export function makePlanningSandbox(): PlanningSandbox {
  const root = makeTempDir();
  const repo = makeRepo(path.join(root, 'repo'));
  const stateDir = path.join(repo, '.gaffer');
  const promptsDir = path.join(root, 'planner-state');
  return {
    root,
    repo,
    stateDir,
    promptsDir,
    baseCommit: git(repo, 'rev-parse', 'HEAD').trim(),
    config: (overrides = {}) =>
      resolveConfigPaths(
        parseConfig({ repo: 'repo', agent: fakePlannerAgent(promptsDir), ...overrides }, 'test config'),
        root,
      ),
    prompts: () => {
      if (!fs.existsSync(promptsDir)) return [];
      const names = fs.readdirSync(promptsDir).filter((name) => /^prompt-\d+\.md$/.test(name));
      names.sort((a, b) => Number(/\d+/.exec(a)?.[0]) - Number(/\d+/.exec(b)?.[0]));
      return names.map((name) => fs.readFileSync(path.join(promptsDir, name), 'utf8'));
    },
  };
}

/** The throwaway checkouts of the queries: none may be left. */
export function leftCheckouts(stateDir: string): string[] {
  const folder = path.join(stateDir, 'planning');
  return fs.existsSync(folder) ? fs.readdirSync(folder) : [];
}
