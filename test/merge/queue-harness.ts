import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Recorder } from '../../src/controller/recorder.js';
import { createRun } from '../../src/controller/run-setup.js';
import { UnitLedger } from '../../src/controller/unit-ledger.js';
import { EventBus } from '../../src/events/bus.js';
import type { GafferEvent } from '../../src/events/types.js';
import type { CheckSpec } from '../../src/health/run-checks.js';
import { MergeBook } from '../../src/merge/merge-book.js';
import { MergeQueue, type MergeOutcome } from '../../src/merge/merge-queue.js';
import { describeSource } from '../../src/git/source-repo.js';
import { BranchGuard } from '../../src/merge/branch-guard.js';
import { QueueWorkspace } from '../../src/merge/queue-workspace.js';
import { parsePlan } from '../../src/plan/load.js';
import { Store } from '../../src/store/store.js';
import { git } from '../integration/mission-fixture.js';

export interface Candidate {
  id: string;
  /** Files the candidate's one commit writes (path → content). */
  files: Record<string, string>;
}

export interface QueueHarness {
  repo: string;
  store: Store;
  queue: MergeQueue;
  events: GafferEvent[];
  /** Enqueues every candidate at once (so they can form one batch) and waits for all. */
  mergeAll(): Promise<Map<string, MergeOutcome>>;
  close(): void;
}

/**
 * A real merge queue on a real repository, fed directly: each candidate is a
 * branch with one commit on `main`, recorded as a finished attempt whose unit
 * is merging. No agents run, so a test controls exactly what waits together.
 */
export async function queueHarness(
  repo: string,
  candidates: readonly Candidate[],
  checks: readonly CheckSpec[],
  batchSize: number,
  options: { confirmFailures?: boolean; verifiers?: number } = {},
): Promise<QueueHarness> {
  const stateDir = path.join(repo, '.gaffer');
  const store = Store.open(path.join(stateDir, 'state.db'));
  const events: GafferEvent[] = [];
  const bus = new EventBus();
  bus.onAny((event) => events.push(event));
  const recorder = new Recorder(store, bus);
  const plan = parsePlan(
    { units: candidates.map((c) => ({ id: c.id, title: c.id, prompt: 'fixture' })) },
    'harness',
  );
  const runId = createRun(store, { plan, repo, configJson: '{}', maxRounds: 1 });
  const ledger = new UnitLedger(recorder, runId, 3, store.units.dependencies(runId));
  const base = git(repo, 'rev-parse', 'main');
  git(repo, 'branch', 'gaffer/working', base);
  git(repo, 'branch', 'gaffer/green', base);
  const mergeIds: [string, number][] = [];
  for (const candidate of candidates) {
    const branch = `gaffer/run-${runId}/${candidate.id}/attempt-1`;
    const dir = path.join(stateDir, 'fixture-worktrees', candidate.id);
    git(repo, 'worktree', 'add', '-q', '-b', branch, dir, base);
    for (const [file, content] of Object.entries(candidate.files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content);
    }
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', candidate.id);
    const head = git(dir, 'rev-parse', 'HEAD');
    git(repo, 'worktree', 'remove', '--force', dir);
    ledger.transition(candidate.id, 'running', 'fixture');
    let mergeId = 0;
    ledger.transition(candidate.id, 'merging', 'fixture', {
      write: () => {
        const attemptId = store.attempts.start({
          runId,
          unitId: candidate.id,
          number: 1,
          round: 1,
          branch,
          worktree: dir,
          baseCommit: base,
          logPath: '/dev/null',
        });
        store.attempts.end(attemptId, {
          outcome: 'handed-off',
          head,
          exitCode: 0,
          signal: null,
          handoff: 'missing',
          handoffJson: null,
          commits: 1,
          reason: 'fixture',
        });
        mergeId = store.merges.enqueue({ runId, unitId: candidate.id, attemptId, branch });
      },
    });
    mergeIds.push([candidate.id, mergeId]);
  }
  const source = await describeSource(repo);
  const workspace = new QueueWorkspace(source, stateDir);
  await workspace.ensure(repo, base);
  const branches = { working: 'gaffer/working', green: 'gaffer/green' };
  const guard = new BranchGuard({ recorder, runId, repo, commonDir: source.commonDir, branches });
  await guard.start(false);
  const book = new MergeBook(recorder, runId, branches.working, (unitId, ending, effects) =>
    ledger.mergeEnded(unitId, ending, effects),
  );
  const queue = new MergeQueue({
    recorder,
    book,
    runId,
    repo,
    branches,
    workspaces: [
      workspace,
      ...Array.from(
        { length: (options.verifiers ?? 1) - 1 },
        (_, index) => new QueueWorkspace(source, stateDir, index + 2),
      ),
    ],
    guard,
    checksFor: () => checks,
    greenChecks: checks,
    confirmFailures: options.confirmFailures ?? true,
    batchSize,
    logDir: path.join(stateDir, 'logs'),
    graceMs: 300,
    redact: (line) => line,
    signal: new AbortController().signal,
  });
  return {
    repo,
    store,
    queue,
    events,
    mergeAll: async () => {
      const outcomes = await Promise.all(mergeIds.map(([, mergeId]) => queue.enqueue(mergeId)));
      return new Map(mergeIds.map(([id], index) => [id, outcomes[index] as MergeOutcome]));
    },
    close: () => store.close(),
  };
}

/** Every commit the branch ever pointed at, from its reflog (oldest last). */
export function reflog(repo: string, branch: string): string[] {
  return git(repo, 'reflog', 'show', '--format=%H', `refs/heads/${branch}`)
    .split('\n')
    .filter((line) => line !== '');
}

/** Writes files into the repository's checkout and commits them on its current branch (main). */
export function commitFiles(repo: string, files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), content);
  }
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'fixture');
}

/** A gating check run without a shell, read by the exit code unless `extra` names a parser. */
export function checkSpec(name: string, command: string[], extra: Partial<CheckSpec> = {}): CheckSpec {
  // A check that is not meant to time out: ample for a pytest start on a loaded machine.
  return { name, command, timeoutMs: 120_000, gate: true, parser: 'exit-code', ...extra };
}

/**
 * A check that fails while a counter in a new folder outside the repository
 * is below `failures`, for candidates holding files/flaky.txt (others pass
 * uncounted). The caller removes `dir`.
 */
export function flakyCheck(failures: number): { command: string[]; counter: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-flaky-'));
  const counter = path.join(dir, 'runs');
  const script = path.join(dir, 'flaky.mjs');
  fs.writeFileSync(
    script,
    [
      "import fs from 'node:fs';",
      "if (!fs.existsSync('files/flaky.txt')) process.exit(0);",
      `const f = ${JSON.stringify(counter)};`,
      "const n = fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8')) + 1 : 1;",
      'fs.writeFileSync(f, String(n));',
      `process.exit(n <= ${failures} ? 1 : 0);`,
    ].join('\n'),
  );
  return { command: [process.execPath, script], counter, dir };
}
