/**
 * Everything recorded about one unit of a run, for a person asking why it
 * failed, what it changed and what it waits on: the screen's detail view
 * (Enter), and anything without a supervisor (status, replay). Read from the
 * store and git only; every text is whole (the screen wraps, never cuts) but
 * the diff, which is bounded and says so.
 */
import { describeLogTail } from '../discovery/check-log.js';
import type { CheckResult, RejectClass, UnitOrigin, UnitStatus } from '../events/types.js';
import { tryGit } from '../git/git.js';
import { describeItem, runAttributions, type Attribution } from '../health/attribution.js';
import type { AttemptOutcome } from '../machines/attempt.js';
import type { MergeStatus } from '../machines/merge.js';
import type { AttemptRow } from '../store/attempts.js';
import type { Store } from '../store/store.js';
import { redact } from '../util/redact.js';

/** How much of a diff the detail carries. */
export const DIFF_MAX_LINES = 5000;
export const DIFF_MAX_BYTES = 512 * 1024;

export interface AttemptDetail {
  number: number;
  round: number;
  outcome: AttemptOutcome;
  failureKind: string | null;
  reason: string;
  startMode: 'warm' | 'cold';
  startReason: string;
  /** Null while it runs. */
  durationMs: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  baseCommit: string;
  headCommit: string | null;
  logPath: string;
  /** The handoff's summary; null when the attempt printed no readable handoff. */
  handoffSummary: string | null;
}

export interface CheckDetail {
  name: string;
  passed: boolean;
  gate: boolean;
  flaky: boolean;
  /** Null when its parser did not read the output. */
  counts: { passed: number; failed: number; errors: number; warnings: number; skipped: number } | null;
  /** Failing tests (or finding names, for a tool without findings) by name. */
  failing: string[];
  /** Lint, type and security findings: `file:line rule message`. */
  findings: string[];
  note: string | null;
  /** The end of its output, under a line that says where the whole log is. */
  tail: string[];
}

export interface MergeDetail {
  id: number;
  attempt: number | null;
  status: MergeStatus;
  rejectClass: RejectClass | null;
  /** The queue's whole detail (the reason of a rejection). */
  detail: string;
  candidate: string | null;
  mergedCommit: string | null;
  /** The candidate's snapshot, check by check; empty when none was taken. */
  checks: CheckDetail[];
}

export interface DiffDetail {
  base: string;
  head: string;
  stat: string[];
  lines: string[];
  /** Why the diff is not whole (too long), or null. */
  cut: string | null;
}

export interface UnitDetail {
  runId: number;
  id: string;
  title: string;
  status: UnitStatus;
  reason: string;
  origin: UnitOrigin;
  discoveredFrom: string | null;
  dependsOn: string[];
  /** What it waits on, in words: dependencies not yet done, a running unit touching the same files. */
  waitingOn: string[];
  attempts: AttemptDetail[];
  /** The latest attempt's change; undefined when no attempt ended with commits. */
  diff: DiffDetail | undefined;
  /** Why there is no diff, when there is none (commits gone, nothing committed). */
  diffNote: string | null;
  merges: MergeDetail[];
  /** Failures still on the working branch that were first seen with this unit's merge. */
  broke: Attribution[];
  /** Failures this unit's candidates met that came with another unit's merge. */
  inherited: Attribution[];
}

/** The unit's detail, or undefined when the run has no such unit. */
export async function loadUnitDetail(
  store: Store,
  repo: string,
  runId: number,
  unitId: string,
): Promise<UnitDetail | undefined> {
  const unit = store.units.get(runId, unitId);
  if (!unit) return undefined;
  const dependsOn = store.units.dependencies(runId).get(unitId) ?? [];
  const attempts = store.attempts.forRun(runId).filter((row) => row.unit_id === unitId);
  const merges = store.merges.forRun(runId).filter((row) => row.unit_id === unitId);
  const numbers = new Map(attempts.map((row) => [row.id, row.number]));
  const attributions = runAttributions(store, runId);
  const mergeDetails = merges.map((row): MergeDetail => ({
    id: row.id,
    attempt: numbers.get(row.attempt_id) ?? null,
    status: row.status,
    rejectClass: row.reject_class,
    detail: row.detail,
    candidate: row.candidate,
    mergedCommit: row.merged_commit,
    checks: row.candidate === null ? [] : candidateChecks(store, runId, row.candidate),
  }));
  const latest = [...attempts].reverse().find((row) => row.head_commit !== null);
  const diff = latest
    ? await diffOf(repo, latest)
    : { diff: undefined, note: 'no attempt has ended with commits' };
  const failingOnCandidates = new Set(
    mergeDetails.flatMap((merge) =>
      merge.checks.flatMap((check) => [
        ...(check.passed ? [] : [`${check.name}\0`]),
        ...check.failing.map((item) => `${check.name}\0${item}`),
      ]),
    ),
  );
  return {
    runId,
    id: unit.id,
    title: unit.title,
    status: unit.status,
    reason: unit.reason,
    origin: unit.origin,
    discoveredFrom: unit.discovered_from,
    dependsOn,
    waitingOn: waitingOn(store, runId, unit.status, unitId, dependsOn),
    attempts: attempts.map(attemptDetail),
    diff: diff.diff,
    diffNote: diff.note,
    merges: mergeDetails,
    broke: attributions.filter((found) => found.unitId === unitId),
    inherited: attributions.filter(
      (found) => found.unitId !== unitId && failingOnCandidates.has(`${found.check}\0${found.item}`),
    ),
  };
}

/** "the merge of parser (round 2): tests: math > adds": an attribution in words. */
export function describeAttribution(found: Attribution): string {
  const round = found.round === null ? '' : ` (round ${found.round})`;
  return `${describeItem(found.check, found.item)}, first seen with ${found.unitId}'s merge${round} at ${found.commit.slice(0, 10)}`;
}

function waitingOn(
  store: Store,
  runId: number,
  status: UnitStatus,
  unitId: string,
  dependsOn: readonly string[],
): string[] {
  if (status !== 'pending' && status !== 'blocked') return [];
  const words: string[] = [];
  for (const dependency of dependsOn) {
    const other = store.units.get(runId, dependency);
    if (other && other.status !== 'done') words.push(`${dependency} (a dependency, ${other.status})`);
  }
  const overlap = store.overlaps
    .all(runId)
    .filter((row) => row.unit_id === unitId)
    .at(-1);
  if (overlap && store.units.get(runId, overlap.other_id)?.status === 'running')
    words.push(`${overlap.other_id} (running, touches the same files: ${overlap.reason})`);
  return words;
}

function attemptDetail(row: AttemptRow): AttemptDetail {
  const ended = row.ended_at === null ? null : Date.parse(row.ended_at) - Date.parse(row.started_at);
  return {
    number: row.number,
    round: row.round,
    outcome: row.outcome,
    failureKind: row.failure_kind,
    reason: row.reason,
    startMode: row.start_mode,
    startReason: row.start_reason,
    durationMs: ended === null || Number.isNaN(ended) ? null : Math.max(0, ended),
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    costUsd: row.cost_usd,
    baseCommit: row.base_commit,
    headCommit: row.head_commit,
    logPath: row.log_path,
    handoffSummary: handoffSummary(row.handoff_json),
  };
}

function handoffSummary(json: string | null): string | null {
  if (json === null) return null;
  try {
    const parsed = JSON.parse(json) as { summary?: unknown };
    return typeof parsed.summary === 'string' ? parsed.summary : null;
  } catch {
    return null;
  }
}

/** The latest snapshot of the candidate commit in this run, check by check. */
function candidateChecks(store: Store, runId: number, candidate: string): CheckDetail[] {
  const row = store.health
    .forRun(runId)
    .filter((snapshot) => snapshot.commit_sha === candidate)
    .at(-1);
  if (!row) return [];
  return (JSON.parse(row.checks_json) as CheckResult[]).map(checkDetail);
}

function checkDetail(check: CheckResult): CheckDetail {
  const parsed = check.parsed?.recognized ? check.parsed : undefined;
  const findings = (parsed?.findings ?? []).map(
    (finding) =>
      `${finding.file}:${finding.line} ${finding.rule}${finding.message ? ` ${finding.message}` : ''}`,
  );
  return {
    name: check.name,
    passed: check.passed,
    gate: check.gate,
    flaky: check.flaky === true,
    counts: parsed ? parsed.counts : null,
    failing: parsed ? [...parsed.failing] : [],
    findings,
    note: check.note ?? null,
    // A passing check's output says nothing the counts do not.
    tail: check.passed ? [] : describeLogTail(check),
  };
}

/** The attempt's change from its base to its head, bounded; its commits may be gone (say so). */
async function diffOf(
  repo: string,
  attempt: AttemptRow,
): Promise<{ diff: DiffDetail | undefined; note: string | null }> {
  const head = attempt.head_commit as string;
  const base = attempt.base_commit;
  const range = `${base.slice(0, 10)}..${head.slice(0, 10)}`;
  for (const commit of [base, head]) {
    const found = await tryGit(repo, ['cat-file', '-e', `${commit}^{commit}`]);
    if (found.exitCode !== 0)
      return {
        diff: undefined,
        note: `attempt ${attempt.number}'s commit ${commit.slice(0, 10)} is gone from the repository (collected after its branch was deleted): no diff of ${range}`,
      };
  }
  const stat = await tryGit(repo, ['diff', '--stat=200', '--no-color', base, head]);
  const patch = await tryGit(repo, ['diff', '--no-color', '--no-ext-diff', base, head]);
  if (stat.exitCode !== 0 || patch.exitCode !== 0)
    return { diff: undefined, note: `git diff ${range} failed: ${(stat.stderr || patch.stderr).trim()}` };
  const { lines, cut } = boundedLines(patch.stdout, `git diff ${base.slice(0, 10)} ${head.slice(0, 10)}`);
  return {
    diff: {
      base,
      head,
      stat: splitLines(stat.stdout).map(redact),
      lines: lines.map(redact),
      cut,
    },
    note: null,
  };
}

function boundedLines(text: string, command: string): { lines: string[]; cut: string | null } {
  const all = splitLines(text);
  const lines: string[] = [];
  let bytes = 0;
  for (const line of all) {
    bytes += Buffer.byteLength(line) + 1;
    if (lines.length >= DIFF_MAX_LINES || bytes > DIFF_MAX_BYTES) {
      const shown = lines.length;
      return {
        lines,
        cut: `the diff is cut after ${shown} of ${all.length} lines (at most ${DIFF_MAX_LINES} lines, ${DIFF_MAX_BYTES / 1024} KiB): \`${command}\` shows it whole`,
      };
    }
    lines.push(line);
  }
  return { lines, cut: null };
}

function splitLines(text: string): string[] {
  return text === '' ? [] : text.split('\n');
}
