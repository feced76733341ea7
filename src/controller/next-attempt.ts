/**
 * What a unit's next attempt gets, decided from the store alone (the
 * scheduler and `gaffer prompt` both call planNextAttempt): the prompt, and
 * whether it starts warm (resumes the previous attempt's session of the
 * tool) or cold (a fresh session), and why.
 *
 * Warm, when warm retry is on, the tool can resume, the previous attempt
 * printed a session id, and that attempt ended by the agent's own fault in a
 * way its session can fix:
 *   - it handed off and its merge was rejected as red, regression, unreadable
 *     or agent-error (its work failed the checks);
 *   - it failed: exited non-zero, reported failed or blocked, made no
 *     commits, or the tool reported an error or its turn limit.
 * Cold otherwise: the first attempt; a crash (the stream ended without a
 * result, or a signal ended it) or a spent budget (the resumed session would
 * carry the spent context); a timeout, a kill, a reaped attempt, an
 * infrastructure error; a merge conflict (the base moved under the session);
 * an operator's retry (a fresh start was asked for, and a failed unit runs
 * again only after one); no session id; a tool
 * that cannot resume; `warmRetry: false`.
 */
import type { RejectClass } from '../events/types.js';
import type { UnitStatus } from '../machines/unit.js';
import type { AttemptRow, StartMode } from '../store/attempts.js';
import type { MergeRow } from '../store/merges.js';
import type { Store } from '../store/store.js';
import type { UnitRow } from '../store/units.js';
import { canResume, type AgentConfig } from '../workers/agents/index.js';
import { HandoffSchema } from '../workers/handoff.js';
import {
  buildContinuationPrompt,
  buildPrompt,
  type DependencyReport,
  type PreviousFailure,
  type PromptUnit,
} from '../workers/prompt.js';

export interface NextAttemptInput {
  runId: number;
  unitId: string;
  /** The unit as the plan has it now; the stored row's title and prompt when left out. */
  unit?: PromptUnit;
  objective?: string | undefined;
  agent: AgentConfig;
  warmRetry: boolean;
}

export interface NextAttempt {
  /** Its number: one more than the unit's attempts so far. */
  attempt: number;
  unitStatus: UnitStatus;
  /** Its attempts so far that cost a strike (what the screen shows against maxAttempts). */
  strikes: number;
  prompt: string;
  startMode: StartMode;
  startReason: string;
  /** Set when warm: the session to resume. */
  resumeSessionId?: string;
}

export function planNextAttempt(store: Store, input: NextAttemptInput): NextAttempt {
  const row = store.units.get(input.runId, input.unitId);
  if (!row) throw new Error(`unknown unit ${input.unitId} in run ${input.runId}`);
  const unit = input.unit ?? { id: row.id, title: row.title, prompt: row.prompt };
  const previous = lastAttempt(store, input.runId, input.unitId);
  const merge = previous ? store.merges.forAttempt(previous.id).at(-1) : undefined;
  const ending = previous ? endingOf(previous, merge) : undefined;
  const decision = decideStart(row, previous, ending, input);
  const failure = previous && ending?.failed ? previousFailure(row, previous, ending) : undefined;
  const prompt =
    decision.startMode === 'warm' && failure
      ? buildContinuationPrompt(unit, failure)
      : buildPrompt({
          objective: input.objective,
          unit,
          dependencies: dependencyReports(store, input.runId, input.unitId),
          previous: failure,
        });
  return { attempt: row.attempts + 1, unitStatus: row.status, strikes: row.strikes, prompt, ...decision };
}

/** How an attempt ended, as far as the next one cares. */
interface Ending {
  /** It did not bring the unit's change in: the next prompt says how it ended. */
  failed: boolean;
  /** The failure's class, for the prompt and the start reason. */
  failureClass: string;
  /** Its resumed session could fix what failed (see the rules at the top). */
  warmable: boolean;
  /** It cost a strike: a unit with no strikes after it was retried by the operator. */
  struck: boolean;
  /** The merge queue's verdict said it (its feedback is the merge's detail). */
  byMerge: boolean;
}

function endingOf(attempt: AttemptRow, merge: MergeRow | undefined): Ending {
  const ending = (failureClass: string, options: Partial<Ending> = {}): Ending => ({
    failed: true,
    failureClass,
    warmable: false,
    struck: false,
    byMerge: false,
    ...options,
  });
  switch (attempt.outcome) {
    case 'running':
      return ending('still running', { failed: false });
    case 'handed-off':
      if (!merge || merge.status === 'merged' || merge.status !== 'rejected' || merge.reject_class === null)
        return ending(merge?.status === 'merged' ? 'merged' : 'waiting in the merge queue', {
          failed: false,
        });
      return mergeRejection(merge.reject_class, ending);
    case 'failed': {
      const kind = attempt.failure_kind;
      if (kind === 'crashed') return ending('the agent crashed', { struck: true });
      if (kind === 'budget') return ending('the agent spent its budget', { struck: true });
      if (attempt.exit_code === null)
        return ending(
          attempt.signal ? `the agent was ended by ${attempt.signal}` : 'the agent did not run to its end',
          { struck: true },
        );
      return ending(kind === null ? "the agent's failure" : `the agent's failure (${kind})`, {
        struck: true,
        warmable: true,
      });
    }
    case 'timed-out':
      return ending('it timed out', { struck: true });
    case 'killed':
      return ending('it was killed');
    case 'reaped':
      return ending('a restarted supervisor reaped it');
    case 'error':
      return ending(
        attempt.failure_kind === null
          ? 'gaffer could not carry it out (no strike)'
          : `infrastructure: ${attempt.failure_kind} (no strike)`,
      );
    default: {
      const unreachable: never = attempt.outcome;
      return unreachable;
    }
  }
}

function mergeRejection(
  rejectClass: RejectClass,
  ending: (c: string, o?: Partial<Ending>) => Ending,
): Ending {
  const failureClass = `merge rejected: ${rejectClass}`;
  switch (rejectClass) {
    case 'red':
    case 'regression':
    case 'unreadable':
    case 'agent-error':
      return ending(failureClass, { warmable: true, struck: true, byMerge: true });
    case 'conflict':
      return ending(`${failureClass} (the base moved)`, { byMerge: true });
    case 'infrastructure':
      return ending(`${failureClass} (no strike)`, { byMerge: true });
    default: {
      const unreachable: never = rejectClass;
      return unreachable;
    }
  }
}

function decideStart(
  row: UnitRow,
  previous: AttemptRow | undefined,
  ending: Ending | undefined,
  input: NextAttemptInput,
): Pick<NextAttempt, 'startMode' | 'startReason' | 'resumeSessionId'> {
  const cold = (startReason: string) => ({ startMode: 'cold' as const, startReason });
  if (!previous || !ending) return cold('the first attempt');
  const after = `after attempt ${previous.number}`;
  if (!ending.failed) return cold(`${after}: ${ending.failureClass}`);
  if (!ending.warmable) return cold(`${after}: ${ending.failureClass}`);
  if (ending.struck && row.strikes === 0)
    return cold(`${after}: ${ending.failureClass}, then retried by the operator (a fresh start)`);
  if (row.status === 'failed' || row.status === 'blocked')
    return cold(
      `${after}: ${ending.failureClass}; it runs again only after an operator's retry (a fresh start)`,
    );
  if (!input.warmRetry) return cold(`${after}: ${ending.failureClass}; warm retry is off (warmRetry: false)`);
  if (!canResume(input.agent))
    return cold(`${after}: ${ending.failureClass}; a ${input.agent.kind} agent cannot resume a session`);
  if (!previous.session_id)
    return cold(`${after}: ${ending.failureClass}; it printed no session id to resume`);
  return {
    startMode: 'warm',
    startReason: `${after}: ${ending.failureClass}; resumes its session ${previous.session_id}`,
    resumeSessionId: previous.session_id,
  };
}

function previousFailure(row: UnitRow, attempt: AttemptRow, ending: Ending): PreviousFailure {
  const feedback = row.feedback.trim();
  // The feedback is the latest that cost a strike; an attempt that cost none (killed, infrastructure) adds its reason.
  const detail =
    ending.byMerge || feedback.includes(attempt.reason)
      ? feedback
      : [`Attempt ${attempt.number} ${attempt.reason}.`, feedback].filter((part) => part !== '').join('\n\n');
  return { attempt: attempt.number, failureClass: ending.failureClass, detail };
}

function lastAttempt(store: Store, runId: number, unitId: string): AttemptRow | undefined {
  return store.attempts.highestNumbered(runId, unitId);
}

/** Each done dependency, with the handoff of the attempt whose merge brought it in. */
function dependencyReports(store: Store, runId: number, unitId: string): DependencyReport[] {
  const reports: DependencyReport[] = [];
  for (const id of store.units.dependenciesOfUnit(runId, unitId)) {
    const dependency = store.units.get(runId, id);
    if (dependency?.status !== 'done') continue;
    const handoff = parseHandoff(store.merges.mergedHandoffJson(id, runId));
    reports.push({
      id,
      title: dependency.title,
      summary: handoff?.summary ?? null,
      filesChanged: handoff?.files_changed ?? [],
    });
  }
  return reports;
}

function parseHandoff(json: string | null): { summary: string; files_changed: string[] } | undefined {
  if (json === null) return undefined;
  try {
    const parsed = HandoffSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
