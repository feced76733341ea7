import fs from 'node:fs';
import { tryGit } from '../git/git.js';
import type { BranchGuard, Tampering } from '../merge/branch-guard.js';
import type { MergeBook } from '../merge/merge-book.js';
import type { AttemptRow } from '../store/attempts.js';
import { sweepAttemptBranches } from '../workers/attempt-refs.js';
import { groupAlive, killGroup, processIdentity } from '../workers/process-group.js';
import { endSessionProcesses, processMarkSession } from '../workers/process-marks.js';
import type { Workspaces } from '../workers/workspaces.js';
import type { Recorder } from './recorder.js';
import type { UnitLedger } from './unit-ledger.js';

export interface ReconcileContext {
  recorder: Recorder;
  ledger: UnitLedger;
  book: MergeBook;
  guard: BranchGuard;
  workspaces: Workspaces;
  runId: number;
  repo: string;
  graceMs: number;
}

export interface Reconciled {
  /** What the guard found on the branches (resumed runs only). */
  tampering: Tampering[];
  /** Merge requests still open, in order: they go back to the queue. */
  openMerges: number[];
}

/**
 * Startup reconciliation: before a run starts or resumes, every crash point
 * of the supervisor before it gets its way forward, read from the process
 * table, git and the state database, in this order:
 *
 * 1. attempts recorded as running are ended (their process group only if its
 *    pid is still the same process: boot and start time), recorded as reaped
 *    and their units requeued at no cost, to run again in the same round;
 * 2. whatever else a killed supervisor's children left (its session's process
 *    marks: daemons outside their groups) is ended;
 * 3. lock files no live git process can own are removed (ref transactions,
 *    branch deletions, commits cut by the kill);
 * 4. the branches are settled against gaffer's record (an intent the kill
 *    cut is resolved by reading the ref), and checked for foreign moves;
 * 5. the workspaces are made anew (and worktrees older versions left);
 * 6. merges in flight are settled by reading the working branch: a verified
 *    candidate already in it is merged, never merged again; the others go
 *    back to the queue;
 * 7. attempt branches whose attempt and merge have ended are deleted or
 *    kept under refs/gaffer/attempts/.
 */
export async function reconcile(context: ReconcileContext, resumed: boolean): Promise<Reconciled> {
  const { recorder, runId } = context;
  if (resumed) await reapAttempts(context);
  await reapOrphanedSessions(recorder, runId, context.graceMs);
  await context.guard.clearStaleLocks();
  const tampering = await context.guard.start(resumed);
  await context.workspaces.reset();
  const openMerges = resumed ? await settleMerges(context) : [];
  await sweep(context);
  return { tampering, openMerges };
}

/** At the end of a run: the attempt branches of everything that ended are settled. */
export async function sweep(context: Pick<ReconcileContext, 'recorder' | 'repo' | 'runId'>): Promise<void> {
  const swept = await sweepAttemptBranches(context.repo, context.recorder.store);
  if (swept.kept.length > 0) {
    const message = `kept ${swept.kept.length} attempt branch(es) with work that did not land under refs/gaffer/attempts/ (\`gaffer clean\` removes them)`;
    context.recorder.record([['supervisor:warning', { runId: context.runId, message }]]);
  }
}

/**
 * A supervisor killed outright (SIGKILL, a crash) leaves what its agents
 * started outside their process groups running: each carries its session's
 * process mark, so the next supervisor of this state folder ends them, then
 * records its own session in their place.
 */
export async function reapOrphanedSessions(
  recorder: Recorder,
  runId: number,
  graceMs: number,
): Promise<void> {
  const store = recorder.store;
  const ours = processMarkSession();
  for (const { session, pid } of store.sessions.all()) {
    if (session === ours) continue;
    const ended = await endSessionProcesses(session, graceMs);
    const message = `ended ${ended.pids.length} process(es) (pid ${ended.pids.join(', ')}) that a previous supervisor (pid ${pid}) left running`;
    recorder.record(ended.pids.length === 0 ? [] : [['supervisor:warning', { runId, message }]], () =>
      store.sessions.remove(session),
    );
  }
  recorder.record([], () => store.sessions.add(ours, process.pid));
}

/** Attempts an earlier supervisor left running: reaped, their units requeued at no cost. */
async function reapAttempts({ recorder, ledger, runId, graceMs }: ReconcileContext): Promise<void> {
  const store = recorder.store;
  for (const attempt of store.attempts.running(runId)) {
    await endEarlierAgent(attempt, graceMs);
    const reason = `the supervisor restarted: attempt ${attempt.number} was reaped (no strike)`;
    const endAttempt = (): void =>
      store.attempts.end(attempt.id, {
        outcome: 'reaped',
        exitCode: null,
        signal: null,
        handoff: 'missing',
        handoffJson: null,
        commits: 0,
        reason,
      });
    // Not counted: the unit runs again in the round the crash cut short.
    if (ledger.get(attempt.unit_id).status === 'running')
      ledger.requeue(attempt.unit_id, reason, { write: endAttempt });
    else recorder.record([], endAttempt);
  }
}

/**
 * Merges in flight at the crash. A candidate the working branch already
 * holds was verified and landed (working only ever moves to verified
 * commits): it is recorded as merged. Any other goes back to the queue.
 */
async function settleMerges({ recorder, book, guard, repo, runId }: ReconcileContext): Promise<number[]> {
  const working = guard.recorded('working');
  const open: number[] = [];
  for (const request of recorder.store.merges.open(runId)) {
    const candidate = request.candidate;
    const cut = request.status === 'verifying' || request.status === 'rebasing';
    if (cut && candidate && working && (await contains(repo, working, candidate))) {
      book.merged(request.id, candidate, [], []);
      continue;
    }
    if (request.status !== 'queued') {
      const message = `merge of ${request.unit_id} was in flight at the restart: resumed`;
      book.move(request.id, 'queued', [['supervisor:warning', { runId, message }]]);
    }
    open.push(request.id);
  }
  return open;
}

async function contains(repo: string, tip: string, commit: string): Promise<boolean> {
  return (await tryGit(repo, ['merge-base', '--is-ancestor', commit, tip])).exitCode === 0;
}

/** Ends an attempt's process group, only if its pid still names the process gaffer started. */
export async function endEarlierAgent(attempt: AttemptRow, graceMs: number): Promise<void> {
  if (attempt.pid === null || !groupAlive(attempt.pid)) return;
  if (attempt.pid_identity !== null) {
    if (processIdentity(attempt.pid) === attempt.pid_identity) await killGroup(attempt.pid, { graceMs });
    return;
  }
  // A record from before identities were kept: the leader must still work in the attempt's folder.
  let cwd = '';
  try {
    cwd = fs.readlinkSync(`/proc/${attempt.pid}/cwd`);
  } catch {
    return;
  }
  if (cwd === attempt.worktree || cwd.startsWith(`${attempt.worktree}/`))
    await killGroup(attempt.pid, { graceMs });
}
