import fs from 'node:fs';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import which from 'which';
import type { AgentConfig, CheckConfig, Config } from './config/schema.js';
import { PreflightError } from './errors.js';
import { tryGit } from './git/git.js';
import type { Plan } from './plan/schema.js';
import { agentExecutable } from './workers/agents.js';

export interface PreflightReport {
  repo: string;
  baseCommit: string;
  /** Each passed check, in words, for `gaffer doctor`. */
  passed: string[];
}

/**
 * Everything that can be wrong before a run starts, checked before anything
 * is written or spawned: the repository, its branches and tree, the agent
 * binaries and the check commands. The first problem found is thrown.
 */
export async function preflight(
  config: Config,
  plan: Plan | undefined,
  repo: string,
): Promise<PreflightReport> {
  const passed: string[] = [];
  if (!fs.existsSync(repo) || !fs.statSync(repo).isDirectory()) {
    throw new PreflightError(
      'not-git-repo',
      `${repo} does not exist: set "repo" in the config to a git repository (a relative path is resolved against the config file's folder)`,
    );
  }
  const top = await tryGit(repo, ['rev-parse', '--show-toplevel']);
  if (top.exitCode !== 0) {
    throw new PreflightError(
      'not-git-repo',
      `${repo} is not a git repository: run \`git init\` and commit there, or set "repo" in the config to a repository`,
    );
  }
  passed.push(`git repository at ${top.stdout.trim()}`);
  const git = simpleGit(repo);
  const { base, working, green } = config.branches;
  const baseCommit = (
    await tryGit(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${base}^{commit}`])
  ).stdout.trim();
  if (baseCommit === '') {
    const branches = await git.branchLocal();
    const known = branches.all.length > 0 ? branches.all.join(', ') : 'none: commit something first';
    throw new PreflightError(
      'branch-missing',
      `base branch "${base}" does not exist in ${repo} (local branches: ${known}): set branches.base in the config`,
    );
  }
  passed.push(`base branch ${base} at ${baseCommit.slice(0, 10)}`);

  const status = await tryGit(repo, ['status', '--porcelain', '--untracked-files=no']);
  // Porcelain lines are "XY path": never trim the start, X may be a space.
  const changed = status.stdout.split('\n').filter((line) => line.trim() !== '');
  if (status.exitCode === 0 && changed.length > 0) {
    const files = changed.slice(0, 5).map((line) => line.slice(3));
    throw new PreflightError(
      'dirty-tree',
      `the checkout at ${repo} has uncommitted changes (${files.join(', ')}${changed.length > 5 ? ', …' : ''}): commit or stash them first, so no work of yours is mixed into the agents' branches`,
    );
  }
  passed.push('no uncommitted changes');

  const checkedOut = await branchesCheckedOut(repo);
  for (const branch of [working, green]) {
    if (checkedOut.has(branch)) {
      throw new PreflightError(
        'branch-in-use',
        `branch "${branch}" is checked out in ${checkedOut.get(branch)}: gaffer moves it as it merges; check out another branch there (e.g. \`git switch ${base}\`)`,
      );
    }
  }

  for (const agent of agentsOf(config, plan)) {
    const binary = agentExecutable(agent);
    if (!(await which(binary, { nothrow: true }))) {
      throw new PreflightError(
        'agent-not-found',
        `the ${agent.kind} agent's command "${binary}" is not on PATH: install it, or set agent.command in the config to its full path`,
      );
    }
    passed.push(`agent ${agent.kind}: ${binary} found`);
  }
  for (const check of checksOf(config, plan)) {
    const program = check.command[0] ?? '';
    if (!(await programExists(program, repo))) {
      throw new PreflightError(
        'check-not-found',
        `check "${check.name}": command "${program}" was not found (not on PATH${program.includes('/') ? ' nor in the repository' : ''}): install it or fix checks[].command in the config`,
      );
    }
    passed.push(`check ${check.name}: ${program} found`);
  }
  return { repo: top.stdout.trim(), baseCommit, passed };
}

function agentsOf(config: Config, plan: Plan | undefined): AgentConfig[] {
  const agents = [config.agent, ...(plan?.units.flatMap((unit) => (unit.agent ? [unit.agent] : [])) ?? [])];
  const seen = new Set<string>();
  return agents.filter((agent) => {
    const key = agentExecutable(agent);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function checksOf(config: Config, plan: Plan | undefined): CheckConfig[] {
  return [...config.checks, ...(plan?.units.flatMap((unit) => unit.checks ?? []) ?? [])];
}

async function programExists(program: string, repo: string): Promise<boolean> {
  if (program.includes('/')) {
    const candidate = path.resolve(repo, program);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }
  return (await which(program, { nothrow: true })) !== null;
}

async function branchesCheckedOut(repo: string): Promise<Map<string, string>> {
  const list = await tryGit(repo, ['worktree', 'list', '--porcelain']);
  const result = new Map<string, string>();
  let current = '';
  for (const line of list.stdout.split('\n')) {
    if (line.startsWith('worktree ')) current = line.slice('worktree '.length);
    if (line.startsWith('branch refs/heads/')) result.set(line.slice('branch refs/heads/'.length), current);
  }
  return result;
}
