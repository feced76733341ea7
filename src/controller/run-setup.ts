import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Plan } from '../plan/schema.js';
import { redact } from '../util/redact.js';
import type { Store } from '../store/store.js';
import type { AttemptRow } from '../store/attempts.js';
import type { RunRow } from '../store/runs.js';
import { groupAlive, killGroup } from '../workers/process-group.js';
import { endSessionProcesses, processMarkSession } from '../workers/process-marks.js';
import type { Recorder } from './recorder.js';
import type { UnitLedger } from './unit-ledger.js';

export function planHash(plan: Plan): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex').slice(0, 16);
}

export interface OpenedRun {
  runId: number;
  resumed: boolean;
  /** The round to continue (resumed) or 0 (new run: rounds start at 1). */
  lastRound: number;
}

/** The run a start would resume: the latest, of the same plan and repository, that did not finish. */
export function resumableRun(
  store: Store,
  input: { plan: Plan; repo: string; fresh: boolean },
): RunRow | undefined {
  const latest = store.runs.latest();
  if (
    !input.fresh &&
    latest &&
    (latest.status === 'running' || latest.status === 'interrupted') &&
    latest.plan_hash === planHash(input.plan) &&
    latest.repo === input.repo
  ) {
    return latest;
  }
  return undefined;
}

/**
 * A new run with its units, in one transaction; or, when the latest run of
 * the same plan did not finish (a crash or a stop), that run, to resume.
 */
export function openRun(
  store: Store,
  input: { plan: Plan; repo: string; configJson: string; maxRounds: number; fresh: boolean },
): OpenedRun {
  const hash = planHash(input.plan);
  const latest = resumableRun(store, input);
  if (latest) {
    const rounds = store.runs.rounds(latest.id);
    store.runs.setStatus(latest.id, 'running', 'resumed');
    return { runId: latest.id, resumed: true, lastRound: rounds.at(-1)?.number ?? 0 };
  }
  const runId = store.transaction(() => {
    const id = store.runs.create({
      planName: input.plan.name,
      planHash: hash,
      repo: input.repo,
      configJson: input.configJson,
      maxRounds: input.maxRounds,
    });
    for (const unit of input.plan.units) {
      store.units.insert(id, {
        id: unit.id,
        title: unit.title,
        // Stored for views only, redacted: the agent gets the prompt from the plan itself.
        prompt: redact(unit.prompt),
        dependsOn: unit.depends_on,
        specJson: redact(JSON.stringify(unit)),
      });
    }
    return id;
  });
  return { runId, resumed: false, lastRound: 0 };
}

/**
 * After a crash: attempts recorded as running are reaped (their process group
 * ended if it still runs in their worktree) and their units requeued with no
 * strike; merges in flight go back to the queue, their units stay merging.
 */
export async function reapInterrupted(
  recorder: Recorder,
  ledger: UnitLedger,
  runId: number,
): Promise<{ reaped: number; requeuedMerges: number[] }> {
  const store = recorder.store;
  const running = store.attempts.running(runId);
  for (const attempt of running) {
    await endOrphanedAgent(attempt);
    const unit = ledger.get(attempt.unit_id);
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
    if (unit.status === 'running') {
      ledger.requeueWithoutStrike(attempt.unit_id, reason, {
        write: () => {
          endAttempt();
          store.units.update(runId, attempt.unit_id, { last_round: Math.max(0, unit.last_round - 1) });
        },
      });
    } else {
      recorder.record([], endAttempt);
    }
  }
  const requeuedMerges: number[] = [];
  for (const request of store.merges.open(runId)) {
    if (request.status !== 'queued') {
      recorder.record(
        [
          [
            'supervisor:warning',
            { runId, message: `merge of ${request.unit_id} was in flight at the restart: resumed` },
          ],
        ],
        () => store.merges.update(request.id, { status: 'queued' }),
      );
    }
    requeuedMerges.push(request.id);
  }
  return { reaped: running.length, requeuedMerges };
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

async function endOrphanedAgent(attempt: AttemptRow): Promise<void> {
  if (attempt.pid === null || !groupAlive(attempt.pid)) return;
  // A pid can be reused: only end the group if its leader still works in this attempt's worktree.
  let cwd = '';
  try {
    cwd = fs.readlinkSync(`/proc/${attempt.pid}/cwd`);
  } catch {
    return;
  }
  if (cwd === attempt.worktree || cwd.startsWith(`${attempt.worktree}/`))
    await killGroup(attempt.pid, { graceMs: 2000 });
}
