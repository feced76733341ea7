import fs from 'node:fs';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import which from 'which';
import {
  attemptNamespaceClash,
  ATTEMPT_BRANCH_FOLDER,
  ATTEMPT_BRANCH_PREFIX,
  BRANCH_EXAMPLES,
  nested,
  type BranchRole,
} from './config/branch-names.js';
import type { AgentConfig, BranchesConfig, CheckConfig, Config } from './config/schema.js';
import { ConfigError, PreflightError } from './errors.js';
import { tryGit } from './git/git.js';
import type { Plan } from './plan/schema.js';
import { agentExecutable } from './workers/agents/index.js';

export interface PreflightReport {
  repo: string;
  baseCommit: string;
  /** Each passed check, in words, for `gaffer doctor`. */
  passed: string[];
}

export interface PreflightOptions {
  /** Take an existing working branch as it is, even if it does not descend from base (`--adopt`). */
  adopt?: boolean;
  /** True for a tip gaffer itself gave the branch (from its state folder): it need not descend from base's tip now. */
  ownTip?: (branch: string, sha: string) => boolean;
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
  options: PreflightOptions = {},
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
  await checkRefFormat(repo, config.branches);
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
  await checkBranchClashes(repo, config.branches);
  const workingLine = await checkWorkingDescendsFromBase(repo, config.branches, baseCommit, options);
  if (workingLine !== undefined) passed.push(workingLine);

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

  // Agents commit in their workspaces and the merge queue rebases: both need an identity.
  const identity = await tryGit(repo, ['var', 'GIT_COMMITTER_IDENT']);
  if (identity.exitCode !== 0) {
    throw new PreflightError(
      'git-identity',
      `git has no identity to commit with in ${repo} (no user.name and user.email): set them with \`git config --global user.name "Your Name"\` and \`git config --global user.email you@example.com\` (or without --global, for this repository only)`,
    );
  }
  passed.push(`git identity ${identity.stdout.replace(/ \d+ [+-]\d{4}$/, '')}`);

  const checkedOut = await branchesCheckedOut(repo);
  for (const branch of [working, green]) {
    if (checkedOut.has(branch)) {
      throw new PreflightError(
        'branch-in-use',
        `branch "${branch}" is checked out in ${checkedOut.get(branch)}: gaffer moves it as it merges; check out another branch there (e.g. \`git switch ${base}\`)`,
      );
    }
  }

  // With no local slot every attempt runs on a worker host: the agent is looked for there (doctor, the host's probe).
  const attemptsRunHere = (config.local.slots ?? config.concurrency) > 0 || config.hosts.length === 0;
  for (const agent of attemptsRunHere ? agentsOf(config, plan) : []) {
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

/**
 * The schema mirrors git's ref-name rules; git has the last word, so a name
 * it refuses is a config error too. `--branch` is not used: it expands
 * `@{-1}` and friends instead of judging the name.
 */
async function checkRefFormat(repo: string, branches: BranchesConfig): Promise<void> {
  for (const role of ['base', 'working', 'green'] as const) {
    const name = branches[role];
    const result = await tryGit(repo, ['check-ref-format', `refs/heads/${name}`]);
    if (result.exitCode !== 0) {
      throw new ConfigError(
        `branches.${role}: git refuses ${JSON.stringify(name)} as a branch name (git check-ref-format): set branches.${role} to a plain name like "${BRANCH_EXAMPLES[role]}"`,
      );
    }
  }
}

/**
 * Git keeps each branch as a file under refs/heads/, so a branch `gaffer`
 * and a branch `gaffer/green` cannot both exist. The working and green
 * branches and gaffer's attempt branches (gaffer/run-<n>/…) must fit beside
 * the branches the repository already has, or gaffer would fail mid-run.
 */
async function checkBranchClashes(repo: string, branches: BranchesConfig): Promise<void> {
  const list = await tryGit(repo, ['for-each-ref', '--format=%(refname)', 'refs/heads/']);
  const existing = list.stdout
    .split('\n')
    .filter((line) => line.startsWith('refs/heads/'))
    .map((line) => line.slice('refs/heads/'.length));
  for (const role of ['working', 'green'] as const satisfies readonly BranchRole[]) {
    const name = branches[role];
    const clash = existing.find((branch) => nested(branch, name));
    if (clash === undefined) continue;
    const taken = [...existing, branches.base, branches.working, branches.green];
    const example = [name.replaceAll('/', '-'), `gaffer-${role}`, `gaffer-${role}-2`].find(
      (candidate) => !taken.some((other) => other === candidate || nested(other, candidate)),
    );
    throw new PreflightError(
      'branch-clash',
      `branches.${role} ${JSON.stringify(name)} clashes with the existing branch ${JSON.stringify(clash)} in ${repo}: git cannot hold a branch and branches under it with the same name. Set branches.${role} to another name${example === undefined ? '' : ` (e.g. "${example}")`}, or rename the branch (git branch -m ${clash} <new name>)`,
    );
  }
  const blocker = existing.find(
    (branch) =>
      attemptNamespaceClash(branch) !== undefined &&
      (branch === ATTEMPT_BRANCH_FOLDER || !branch.slice(ATTEMPT_BRANCH_PREFIX.length).includes('/')),
  );
  if (blocker !== undefined) {
    throw new PreflightError(
      'branch-clash',
      `the branch ${JSON.stringify(blocker)} in ${repo} is where gaffer creates its attempt branches (${ATTEMPT_BRANCH_PREFIX}<n>/<unit>/attempt-<k>), and git cannot hold both: rename it (git branch -m ${blocker} <new name>)`,
    );
  }
}

/**
 * An existing working branch is where gaffer builds and what it promotes to
 * green: one that does not contain base's tip (unrelated history, or another
 * line of work) would carry commits nobody asked for. Returns the line for
 * `passed` when the branch exists.
 */
async function checkWorkingDescendsFromBase(
  repo: string,
  branches: BranchesConfig,
  baseCommit: string,
  options: { adopt?: boolean; ownTip?: (branch: string, sha: string) => boolean },
): Promise<string | undefined> {
  const { base, working } = branches;
  const adopt = options.adopt;
  const tip = (
    await tryGit(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${working}^{commit}`])
  ).stdout.trim();
  if (tip === '') return undefined;
  // Where gaffer left it: it started from base, and base may have moved on since (the user's own commits).
  if (options.ownTip?.(working, tip))
    return `working branch ${working} at ${tip.slice(0, 10)}, where gaffer left it`;
  const ancestor = await tryGit(repo, ['merge-base', '--is-ancestor', baseCommit, tip]);
  if (ancestor.exitCode === 0)
    return `working branch ${working} at ${tip.slice(0, 10)} descends from ${base}`;
  if (adopt) return `working branch ${working} at ${tip.slice(0, 10)} adopted as it is (--adopt)`;
  const split = (await tryGit(repo, ['merge-base', baseCommit, tip])).stdout.trim();
  const why =
    split === ''
      ? 'it has unrelated history (no commit in common)'
      : `it is another line of work (the two split at ${split.slice(0, 10)})`;
  throw new PreflightError(
    'branch-diverged',
    `the working branch "${working}" (at ${tip.slice(0, 10)}) does not descend from the base branch "${base}" (at ${baseCommit.slice(0, 10)}): ${why}, and gaffer would build on it and promote its commits to green. Delete it (git branch -D ${working}), set branches.working to a new name, or pass --adopt to take it as it is`,
  );
}

/** Each distinct agent the config and the plan's units use (one per executable). */
export function agentsOf(config: Config, plan: Plan | undefined): AgentConfig[] {
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
