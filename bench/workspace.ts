/**
 * workspace: what an isolated workspace costs against the git worktree it
 * replaced. On one repository of N files, side by side in one run:
 *
 *   worktree   `git worktree add -B <branch> <slot> <base>` for a new slot;
 *              `git checkout --force -B <branch> <base>` + `git clean -fdq` to reuse one;
 *              `git rev-list <base>..HEAD` to read the attempt's commits
 *   workspace  gaffer's Workspaces: a git directory written by gaffer borrowing the
 *              repository's objects, `reset --hard` (+ clean) against gaffer's own index
 *              copy; reuse makes the git directory anew; the attempt's commits are
 *              fetched from the workspace by its HEAD
 *
 * Each round acquires a slot, changes one file and commits (as an agent would),
 * then collects the commit. Both sides are checked: the slot holds the base's
 * files, the commit reaches the repository. Times are medians over the rounds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeSource } from '../src/git/source-repo.js';
import { Workspaces } from '../src/workers/workspaces.js';
import {
  BenchFailure,
  checkFlags,
  cleanup,
  gitSync,
  initRepo,
  intFlag,
  makeTempDir,
  median,
  type Benchmark,
} from './lib.js';

interface Costs {
  fresh: number;
  reuse: number[];
  collect: number[];
}

function makeRepo(files: number): { repo: string; base: string } {
  const repo = initRepo(path.join(makeTempDir('workspace'), 'repo'));
  for (let index = 0; index < files; index += 1) {
    const dir = path.join(repo, 'src', `d${index % 50}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `f${index}.txt`), `file ${index}\n`.repeat(20));
  }
  gitSync(repo, ['add', '-A']);
  gitSync(repo, ['commit', '-q', '-m', 'files']);
  return { repo, base: gitSync(repo, ['rev-parse', 'HEAD']).trim() };
}

/** What an agent does in its slot between acquire and collect. */
function agentCommit(slot: string, round: number): void {
  fs.writeFileSync(path.join(slot, 'src', 'd0', 'f0.txt'), `changed in round ${round}\n`);
  gitSync(slot, ['commit', '-q', '-am', `round ${round}`]);
}

function timed<T>(work: () => T): [T, number] {
  const started = performance.now();
  const value = work();
  return [value, performance.now() - started];
}

async function timedAsync<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
}

function worktreeSide(files: number, rounds: number): Costs {
  const { repo, base } = makeRepo(files);
  const slot = path.join(repo, '.gaffer', 'worktrees', 'slot-1');
  const costs: Costs = { fresh: 0, reuse: [], collect: [] };
  for (let round = 1; round <= rounds; round += 1) {
    const branch = `gaffer/run-1/u/attempt-${round}`;
    const [, ms] = timed(() => {
      if (round === 1) gitSync(repo, ['worktree', 'add', '--quiet', '-B', branch, slot, base]);
      else {
        gitSync(slot, ['checkout', '--quiet', '--force', '-B', branch, base]);
        gitSync(slot, ['clean', '-fdq']);
      }
    });
    if (round === 1) costs.fresh = ms;
    else costs.reuse.push(ms);
    agentCommit(slot, round);
    const [commits, collectMs] = timed(() =>
      gitSync(slot, ['rev-list', `${base}..HEAD`])
        .trim()
        .split('\n'),
    );
    if (commits.length !== 1) throw new BenchFailure(`worktree round ${round}: ${commits.length} commits`);
    costs.collect.push(collectMs);
  }
  return costs;
}

async function workspaceSide(files: number, rounds: number): Promise<Costs> {
  const { repo, base } = makeRepo(files);
  const workspaces = new Workspaces(await describeSource(repo), path.join(repo, '.gaffer'));
  const costs: Costs = { fresh: 0, reuse: [], collect: [] };
  for (let round = 1; round <= rounds; round += 1) {
    const [workspace, ms] = await timedAsync(() => workspaces.acquire(1, 'u', round, base));
    if (round === 1) costs.fresh = ms;
    else costs.reuse.push(ms);
    if (fs.readFileSync(path.join(workspace.path, 'src', 'd0', 'f0.txt'), 'utf8') !== 'file 0\n'.repeat(20))
      throw new BenchFailure(`workspace round ${round}: the slot does not hold the base's files`);
    agentCommit(workspace.path, round);
    const [collected, collectMs] = await timedAsync(() => workspaces.collect(workspace, base));
    if (!collected.ok || collected.commits !== 1)
      throw new BenchFailure(`workspace round ${round}: collected ${JSON.stringify(collected)}`);
    costs.collect.push(collectMs);
    workspaces.release(workspace);
  }
  await workspaces.reset();
  return costs;
}

async function run(argv: string[]): Promise<number> {
  checkFlags(argv, { '--files': 'int', '--rounds': 'int' });
  const files = intFlag(argv, '--files', 2000);
  const rounds = intFlag(argv, '--rounds', 11);
  console.log(
    `workspace: a repository of ${files} files, ${rounds} attempts in one slot, worktree vs isolated workspace`,
  );
  try {
    const worktree = worktreeSide(files, rounds);
    const workspace = await workspaceSide(files, rounds);
    const line = (label: string, costs: Costs): string =>
      `  ${label.padEnd(9)} new slot ${costs.fresh.toFixed(1)} ms, reused slot ${median(costs.reuse).toFixed(1)} ms, collect ${median(costs.collect).toFixed(1)} ms (medians)`;
    console.log(line('worktree', worktree));
    console.log(line('workspace', workspace));
    const ratio = (a: number, b: number): string => (a / b).toFixed(2);
    const perAttempt = (costs: Costs): number => median(costs.reuse) + median(costs.collect);
    console.log(
      `RESULT workspace_fresh_ratio=${ratio(workspace.fresh, worktree.fresh)} workspace_reuse_ratio=${ratio(median(workspace.reuse), median(worktree.reuse))} workspace_attempt_ms=${perAttempt(workspace).toFixed(1)} worktree_attempt_ms=${perAttempt(worktree).toFixed(1)}`,
    );
    return 0;
  } finally {
    await cleanup();
  }
}

export const workspace: Benchmark = {
  name: 'workspace',
  summary: 'an isolated workspace vs the git worktree it replaced: new slot, reused slot, collecting commits',
  flags: [
    '--files N   files in the repository (default 2000)',
    '--rounds N  attempts in one slot (default 11)',
  ],
  run,
};
