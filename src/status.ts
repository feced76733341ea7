import { greenNote } from './report/green-state.js';
import { formatSpend, NO_SPEND } from './report/cost.js';
import { ORIGIN_WORDS } from './report/plan-changes.js';
import type { CheckResult, ProposalSource, ProposalStatus, UnitOrigin } from './events/types.js';
import type { AttemptSummary, Spend } from './store/attempts.js';
import type { StoredSnapshot } from './store/health.js';
import type { MergeSummary } from './store/merges.js';
import type { OverlapRow, ProposalRow } from './store/proposals.js';
import type { RunRow } from './store/runs.js';
import type { UnitSummary } from './store/units.js';
import { describeItem, runAttributions } from './health/attribution.js';
import type { Store } from './store/store.js';
import { groupBy } from './util/group-by.js';
import { terminalSafe, toTerminalText } from './util/terminal-text.js';
import { TEST_PARSERS } from './health/delta.js';
import { wrapHanging } from './report/wrap-text.js';

export interface StatusReport {
  run: {
    id: number;
    plan: string;
    status: string;
    reason: string;
    startedAt: string;
    endedAt: string | null;
    rounds: number;
    maxRounds: number;
    /** What every attempt of the run used, as the agents reported it (costUsd null: none reported a cost). */
    spend: Spend;
  };
  units: {
    id: string;
    title: string;
    status: string;
    reason: string;
    strikes: number;
    dependsOn: string[];
    /** How it joined the run: the plan file at the start, a live edit, discovery, a fixup. */
    origin: UnitOrigin;
    /** Where a discovered unit came from; null otherwise. */
    discoveredFrom: string | null;
    /** What the unit's attempts used. */
    spend: Spend;
    attempts: {
      number: number;
      round: number;
      outcome: string;
      exitCode: number | null;
      commits: number;
      handoff: string | null;
      reason: string;
      log: string;
      /** What this attempt used (written when it ends). */
      usage: Spend;
      /** What the merge queue did with its work (the newest request), null when it never reached the queue. */
      merge: { id: number; status: string; class: string | null } | null;
    }[];
  }[];
  /** What discovery proposed in this run, oldest first, and what became of each. */
  proposals: {
    id: number;
    unit: string;
    title: string;
    status: ProposalStatus;
    source: ProposalSource;
    from: string;
    /** Why it was decided as it was ('' while it waits). */
    reason: string;
  }[];
  mergeQueue: {
    id: number;
    unit: string;
    status: string;
    class: string | null;
    detail: string;
    commit: string | null;
  }[];
  /** Overlap edges: a unit held back while another expected to touch the same files ran (never a dependency). */
  overlaps: { unit: string; waitedFor: string; files: string[]; reason: string; at: string }[];
  /** The newest snapshot of the working branch (a round's end, a merge target or the baseline). */
  health: StatusSnapshot | null;
  /** The run's first baseline: the working branch before any of its units landed. */
  baseline: StatusSnapshot | null;
  /** What fails on the working branch now, and the unit whose merge it was first seen with. */
  attributions: { check: string; item: string; unitId: string; round: number | null }[];
  /** Where green is (as gaffer last put it), or exactly why it is not there yet. */
  green: { branch: string; commit: string | null; note: string };
}

/** A health snapshot as status shows it: each check's verdict and what its parser counted. */
export interface StatusSnapshot {
  commit: string;
  label: string;
  round: number | null;
  passed: boolean;
  takenAt: string;
  checks: StatusCheck[];
}

export interface StatusCheck {
  name: string;
  passed: boolean;
  exitCode: number | null;
  unreadable?: boolean;
  note?: string;
  /** Whether it decides merges and green. */
  gate: boolean;
  flaky?: boolean;
  /** The parser that read its output, what it counted, and the failing tests or findings by name. */
  parser?: string;
  counts?: { passed: number; failed: number; errors: number; warnings: number; skipped: number };
  /** The first FAILING_SHOWN names; failingCount says how many there are. */
  failing?: string[];
  failingCount?: number;
}

/** How many failing tests or findings a check shows by name; the rest are counted. */
export const FAILING_SHOWN = 10;

/**
 * What `gaffer status` shows: read from the state database alone, no supervisor needed.
 * Reasons and details hold what agents and checks printed: every string comes
 * back without control sequences (line breaks kept), for the text and the JSON output alike.
 */
export function readStatus(store: Store, runId?: number): StatusReport | undefined {
  const report = readRawStatus(store, runId);
  return report === undefined ? undefined : terminalSafe(report);
}

function readRawStatus(store: Store, runId?: number): StatusReport | undefined {
  const run = runId === undefined ? store.runs.latest() : store.runs.get(runId);
  if (!run) return undefined;
  const deps = store.units.dependencies(run.id);
  // Each table read once and joined in memory: a filter per unit was quadratic (minutes on 10,000 units).
  const attempts = groupBy(store.attempts.summariesForRun(run.id), (attempt) => attempt.unit_id);
  const merges = store.merges.summariesForRun(run.id);
  const newestMerge = newestMergeByAttempt(merges);
  const spendByUnit = store.attempts.spendByUnit(run.id);
  return {
    run: runOf(store, run),
    units: store.units
      .summaries(run.id)
      .map((unit) =>
        unitOf(
          unit,
          deps.get(unit.id) ?? [],
          spendByUnit.get(unit.id) ?? NO_SPEND,
          attempts.get(unit.id) ?? [],
          (attemptId) => newestMerge.get(attemptId),
        ),
      ),
    proposals: store.proposals.all(run.id).map(proposalOf),
    mergeQueue: merges.map(requestOf),
    overlaps: store.overlaps.all(run.id).map(overlapOf),
    ...healthAndGreenOf(store, run),
  };
}

/** The run's header as status shows it. */
export function runOf(store: Store, run: RunRow): StatusReport['run'] {
  return {
    id: run.id,
    plan: run.plan_name,
    status: run.status,
    reason: run.reason,
    startedAt: run.started_at,
    endedAt: run.ended_at,
    rounds: store.runs.rounds(run.id).length,
    maxRounds: run.max_rounds,
    spend: store.attempts.runSpend(run.id),
  };
}

type StatusUnit = StatusReport['units'][number];

/** One unit as status shows it, with its attempts and what the queue did with each. */
export function unitOf(
  unit: UnitSummary,
  dependsOn: string[],
  spend: Spend,
  attempts: readonly AttemptSummary[],
  newestMergeOf: (attemptId: number) => MergeSummary | undefined,
): StatusUnit {
  return {
    id: unit.id,
    title: unit.title,
    status: unit.status,
    reason: unit.reason,
    strikes: unit.strikes,
    dependsOn,
    origin: unit.origin,
    discoveredFrom: unit.discovered_from,
    spend,
    attempts: attempts.map((attempt) => ({
      number: attempt.number,
      round: attempt.round,
      outcome: attempt.outcome,
      exitCode: attempt.exit_code,
      commits: attempt.commits,
      handoff: attempt.handoff,
      reason: attempt.reason,
      log: attempt.log_path,
      usage: {
        inputTokens: attempt.input_tokens,
        outputTokens: attempt.output_tokens,
        cachedTokens: attempt.cached_tokens,
        costUsd: attempt.cost_usd,
      },
      merge: mergeOf(newestMergeOf(attempt.id)),
    })),
  };
}

export function proposalOf(proposal: ProposalRow): StatusReport['proposals'][number] {
  return {
    id: proposal.id,
    unit: proposal.unit_id,
    title: proposal.title,
    status: proposal.status,
    source: proposal.source,
    from: proposal.discovered_from,
    reason: proposal.reason,
  };
}

export function requestOf(merge: MergeSummary): StatusReport['mergeQueue'][number] {
  return {
    id: merge.id,
    unit: merge.unit_id,
    status: merge.status,
    class: merge.reject_class,
    detail: merge.detail,
    commit: merge.merged_commit ?? merge.candidate,
  };
}

export function overlapOf(edge: OverlapRow): StatusReport['overlaps'][number] {
  return {
    unit: edge.unit_id,
    waitedFor: edge.other_id,
    files: parseFiles(edge.files_json),
    reason: edge.reason,
    at: edge.at,
  };
}

/** The working branch's health, the run's baseline, what fails and with whose merge, and green. */
export function healthAndGreenOf(
  store: Store,
  run: RunRow,
): Pick<StatusReport, 'health' | 'baseline' | 'attributions' | 'green'> {
  return {
    health: snapshotOf(store.health.latestOfWorking(run.id)),
    baseline: snapshotOf(store.health.firstBaseline(run.id)),
    attributions: runAttributions(store, run.id).map(({ check, item, unitId, round }) => ({
      check,
      item,
      unitId,
      round,
    })),
    green: greenOf(store, run.id, run.config_json),
  };
}

/** Each attempt's newest merge request (the rows come oldest first). */
function newestMergeByAttempt(merges: readonly MergeSummary[]): Map<number, MergeSummary> {
  return new Map(merges.map((merge) => [merge.attempt_id, merge]));
}

function mergeOf(
  merge: MergeSummary | undefined,
): StatusReport['units'][number]['attempts'][number]['merge'] {
  return merge ? { id: merge.id, status: merge.status, class: merge.reject_class } : null;
}

function snapshotOf(snapshot: StoredSnapshot | undefined): StatusSnapshot | null {
  if (!snapshot) return null;
  return {
    commit: snapshot.commit,
    label: snapshot.label,
    round: snapshot.round,
    passed: snapshot.passed,
    takenAt: snapshot.takenAt,
    checks: snapshot.checks.map(checkOf),
  };
}

function checkOf(check: CheckResult): StatusCheck {
  const parsed = check.parsed;
  return {
    name: check.name,
    passed: check.passed,
    exitCode: check.exitCode,
    ...(check.unreadable ? { unreadable: true } : {}),
    ...(check.note ? { note: check.note } : {}),
    // Snapshots stored before gates existed have none: every check gated then.
    gate: check.gate ?? true,
    ...(check.flaky ? { flaky: true } : {}),
    ...(parsed && parsed.parser !== 'exit-code' && parsed.recognized
      ? {
          parser: parsed.parser,
          counts: parsed.counts,
          failing: parsed.failing.slice(0, FAILING_SHOWN),
          failingCount: parsed.failing.length,
        }
      : {}),
  };
}

function parseFiles(json: string): string[] {
  try {
    const files: unknown = JSON.parse(json);
    return Array.isArray(files) ? files.filter((file): file is string => typeof file === 'string') : [];
  } catch {
    return [];
  }
}

function greenOf(store: Store, runId: number, configJson: string): StatusReport['green'] {
  let branch = 'gaffer/green';
  try {
    const config = JSON.parse(configJson) as { branches?: { green?: unknown } };
    if (typeof config.branches?.green === 'string') branch = config.branches.green;
  } catch {
    // A run recorded without its config: the default name.
  }
  const tip = store.branchTips.latest(branch);
  const commit = tip && !/^0+$/.test(tip.sha) ? tip.sha : null;
  return { branch, commit, note: greenNote(store, runId, commit) };
}

/** One line of a short field (plan name, origin, proposal and overlap fields): those stay one line each. */
const oneLine = (text: string): string => toTerminalText(text);

/** The width status wraps to when stdout is no terminal and COLUMNS says nothing. */
export const DEFAULT_STATUS_WIDTH = 100;

export interface StatusFormat {
  /** Terminal columns to wrap reasons and details to. */
  width?: number;
}

export function formatStatus(report: StatusReport, format: StatusFormat = {}): string {
  const wrap = wrapTo(format);
  const out = [...headerLines(report.run, wrap), '', 'units'];
  const width = unitColumn(report.units);
  const requests = new Map(report.mergeQueue.map((request) => [request.id, request]));
  for (const unit of report.units) out.push(...unitLines(unit, width, requests, wrap));
  if (report.proposals.length > 0) out.push('', 'proposals', ...proposalLines(report.proposals));
  out.push('', 'merge queue');
  if (report.mergeQueue.length === 0) out.push('  (empty)');
  out.push(...requestLines(report.mergeQueue, width, wrap));
  if (report.overlaps.length > 0)
    out.push('', 'overlap edges (held back, not dependencies)', ...overlapLines(report.overlaps, width));
  out.push(...greenAndHealthLines(report, wrap));
  return out.join('\n');
}

export function wrapTo(format: StatusFormat): Wrap {
  const wrapWidth = format.width ?? DEFAULT_STATUS_WIDTH;
  return (prefix, text, hang) => wrapHanging(prefix, text, wrapWidth, hang);
}

/** The width of the unit id column: the longest id shown. */
export function unitColumn(units: readonly { id: string }[]): number {
  return Math.max(4, ...units.map((unit) => unit.id.length));
}

/** The run: plan, status and why, when it started and ended, its rounds, what it spent. */
export function headerLines(run: StatusReport['run'], wrap: Wrap): string[] {
  return [
    ...wrap(
      `run #${run.id} of plan "${oneLine(run.plan)}": ${run.status}${run.reason ? ' — ' : ''}`,
      run.reason,
      2,
    ),
    ...wrap(
      '  ',
      `started ${run.startedAt}${run.endedAt ? `, ended ${run.endedAt}` : ''}; round ${run.rounds} of ${run.maxRounds}`,
      4,
    ),
    ...wrap('  spent ', formatSpend(run.spend) || 'nothing reported by the agents'),
  ];
}

/** One unit: its status, spend and reason, where it came from, and each attempt with the queue's verdict. */
export function unitLines(
  unit: StatusUnit,
  width: number,
  requests: ReadonlyMap<number, StatusReport['mergeQueue'][number]>,
  wrap: Wrap,
): string[] {
  const out: string[] = [];
  const spent = formatSpend(unit.spend);
  out.push(
    ...wrap(
      `  ${unit.id.padEnd(width)}  ${unit.status.padEnd(8)} ${spent ? `[${spent}] ` : ''}`,
      unit.reason,
    ),
  );
  if (unit.origin !== 'plan')
    out.push(
      `  ${''.padEnd(width)}    added by ${ORIGIN_WORDS[unit.origin]}${unit.discoveredFrom ? ` from ${oneLine(unit.discoveredFrom)}` : ''}`,
    );
  if (unit.attempts.length > 0)
    out.push(...wrap(`  ${''.padEnd(width)}    attempts: `, unit.attempts.map(attemptVerdict).join(' · ')));
  for (const attempt of unit.attempts) {
    const used = formatSpend(attempt.usage);
    out.push(
      ...wrap(
        `  ${''.padEnd(width)}    #${attempt.number} (round ${attempt.round}) ${attempt.outcome}${used ? ` [${used}]` : ''}: `,
        attempt.reason,
        width + 8,
      ),
    );
    const rejection = rejectionOf(requests, attempt.merge);
    if (rejection)
      out.push(
        ...wrap(
          `  ${''.padEnd(width)}      merge #${rejection.id} rejected (${rejection.class}): `,
          verdictOf(rejection.detail),
          width + 8,
        ),
      );
  }
  return out;
}

export function proposalLines(proposals: StatusReport['proposals']): string[] {
  const unitWidth = Math.max(...proposals.map((proposal) => proposal.unit.length));
  return proposals.map(
    (proposal) =>
      `  #${proposal.id} ${proposal.unit.padEnd(unitWidth)}  ${proposal.status.padEnd(9)} ${proposal.source.padEnd(8)}from ${oneLine(proposal.from)}${proposal.reason ? `: ${oneLine(proposal.reason)}` : ''}`,
  );
}

export function requestLines(requests: StatusReport['mergeQueue'], width: number, wrap: Wrap): string[] {
  const out: string[] = [];
  for (const merge of requests) {
    const line = `  #${merge.id} ${merge.unit.padEnd(width)} ${merge.status}`;
    if (merge.class) out.push(...wrap(`${line} (${merge.class}): `, verdictOf(merge.detail), width + 6));
    else out.push(`${line}${merge.commit ? ` ${merge.commit.slice(0, 10)}` : ''}`);
  }
  return out;
}

export function overlapLines(edges: StatusReport['overlaps'], width: number): string[] {
  return edges.map(
    (edge) =>
      `  ${edge.unit.padEnd(width)} waited for ${edge.waitedFor} on ${oneLine(edge.files.join(', '))}: ${oneLine(edge.reason)}`,
  );
}

/** Where green is, then the working branch's health, what fails with whose merge, and the baseline. */
export function greenAndHealthLines(
  report: Pick<StatusReport, 'health' | 'baseline' | 'attributions' | 'green'>,
  wrap: Wrap,
): string[] {
  const out = ['', `green (${report.green.branch})`, ...wrap('  ', report.green.note)];
  out.push('', 'health');
  if (!report.health) out.push('  no snapshot yet (no checks configured, or none has run)');
  else {
    const baseline = report.baseline;
    const atBaseline = baseline !== null && baseline.commit === report.health.commit;
    out.push(...snapshotLines(report.health, workingSnapshotName(report.health, atBaseline), wrap));
    out.push(...regressionAttributionLines(report));
    if (baseline && !atBaseline) out.push(...snapshotLines(baseline, "the run's baseline", wrap));
  }
  return out;
}

/** The queue's verdict on an attempt's work, when it rejected it: why a unit took another try. */
function rejectionOf(
  requests: ReadonlyMap<number, StatusReport['mergeQueue'][number]>,
  merge: StatusReport['units'][number]['attempts'][number]['merge'],
): { id: number; class: string; detail: string } | undefined {
  if (!merge || merge.status !== 'rejected') return undefined;
  const request = requests.get(merge.id);
  return request && { id: request.id, class: request.class ?? 'rejected', detail: request.detail };
}

export type Wrap = (prefix: string, text: string, hang?: number) => string[];

/** Where a rejection's detail quotes a check's output (src/merge/verdict.ts): `check "x" (exit 1), its last lines:`. */
const QUOTED_OUTPUT = /^(check "[^"]*"[^\n]*), its last lines:$/;

/**
 * A rejection's detail with every verdict line whole, and each quoted block
 * of check output (up to 40 raw lines, stack traces and all) named by its
 * size: word-wrapping raw output helps no one, and `--json` carries it whole.
 */
function verdictOf(detail: string): string {
  return detail
    .split('\n\n')
    .map((block) => {
      const [header = '', ...quoted] = block.split('\n');
      const match = QUOTED_OUTPUT.exec(header);
      return match
        ? `${match[1]}: its last ${quoted.length} line(s) of output are in \`gaffer status --json\` (mergeQueue[].detail)`
        : block;
    })
    .join('\n');
}

/** A snapshot's heading, then one line per check with its verdict, its counts and what fails by name. */
function snapshotLines(snapshot: StatusSnapshot, what: string, wrap: Wrap): string[] {
  const lines = [
    `  ${what} at ${snapshot.commit.slice(0, 10)}: ${snapshot.passed ? 'all checks pass' : 'failing'}`,
  ];
  for (const check of snapshot.checks) {
    const verdict = check.passed
      ? 'pass'
      : check.unreadable
        ? 'UNREADABLE (not verified)'
        : `FAIL (exit ${check.exitCode ?? 'none'})`;
    const traits = [check.gate ? '' : 'not gating', check.flaky ? 'flaky' : ''].filter(Boolean).join(', ');
    const counted = countsText(check);
    lines.push(
      ...wrap(
        `    ${check.name}: ${verdict}${traits ? ` [${traits}]` : ''}${counted ? `, ${counted}` : ''}${check.note ? ': ' : ''}`,
        check.note ?? '',
      ),
    );
    if (check.failing && check.failing.length > 0) {
      const more = (check.failingCount ?? check.failing.length) - check.failing.length;
      const label = TEST_PARSERS.has(check.parser ?? '') ? 'failing' : 'findings';
      lines.push(
        ...wrap(`      ${label}: `, `${check.failing.join(', ')}${more > 0 ? `, and ${more} more` : ''}`),
      );
    }
  }
  return lines;
}

/** Which snapshot of the working branch this is: a round's end, the run's baseline, or a merge's target. */
function workingSnapshotName(snapshot: StatusSnapshot, atBaseline: boolean): string {
  if (snapshot.label === 'round') return `working branch, end of round ${snapshot.round ?? '?'},`;
  return atBaseline ? "working branch, the run's baseline," : 'working branch, checked as a merge target,';
}

/** What a check's parser counted: tests for a test runner, findings for a linter, type checker or scanner. */
function countsText(check: StatusCheck): string {
  const counts = check.counts;
  if (!counts || !check.parser) return '';
  const parts = TEST_PARSERS.has(check.parser)
    ? [
        `${counts.passed} passed`,
        `${counts.failed} failed`,
        ...(counts.errors ? [`${counts.errors} errors`] : []),
      ]
    : [`${counts.errors} errors`, `${counts.warnings} warnings`];
  if (counts.skipped) parts.push(`${counts.skipped} skipped`);
  return `${check.parser}: ${parts.join(', ')}`;
}

/**
 * Which unit's merge each failure on the working branch was first seen with:
 * one line per unit, its failing tests and findings by name (bounded).
 */
function regressionAttributionLines(report: Pick<StatusReport, 'attributions'>): string[] {
  const byUnit = new Map<string, { round: number | null; items: string[] }>();
  for (const found of report.attributions) {
    const entry = byUnit.get(found.unitId) ?? { round: found.round, items: [] };
    entry.items.push(describeItem(found.check, found.item));
    byUnit.set(found.unitId, entry);
  }
  return [...byUnit].map(([unitId, { round, items }]) => {
    const shown = items.slice(0, ATTRIBUTED_LISTED);
    const more = items.length > shown.length ? ` and ${items.length - shown.length} more` : '';
    const when = round === null ? '' : ` (round ${round})`;
    return `  first seen with unit ${unitId}'s merge${when}: ${shown.join(', ')}${more}`;
  });
}

/** Failures named per unit on the attribution line; `gaffer status --json` has them all. */
const ATTRIBUTED_LISTED = 10;

/**
 * What became of one attempt, as a word or two: its merge verdict when its
 * work reached the queue, else how it ended (a reaped, killed or errored
 * attempt cost no strike, and says so).
 */
function attemptVerdict(attempt: StatusReport['units'][number]['attempts'][number]): string {
  const merge = attempt.merge;
  if (merge) {
    if (merge.status === 'merged') return `#${attempt.number} merged`;
    if (merge.status === 'rejected')
      return `#${attempt.number} rejected${merge.class ? ` (${merge.class})` : ''}`;
    return `#${attempt.number} in the merge queue (${merge.status})`;
  }
  const noStrike =
    attempt.outcome === 'killed' || attempt.outcome === 'reaped' || attempt.outcome === 'error';
  return `#${attempt.number} ${attempt.outcome}${noStrike ? ' (no strike)' : ''}`;
}

/**
 * The width `gaffer status` wraps to: the terminal's, else COLUMNS (so
 * `COLUMNS=80 gaffer status | less` wraps for the pager), else 100. A
 * COLUMNS that is no positive number is ignored with a warning.
 */
export function statusWidth(
  stdout: { isTTY?: boolean; columns?: number },
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void,
): number {
  if (stdout.isTTY && stdout.columns && stdout.columns > 0) return stdout.columns;
  const columns = env.COLUMNS;
  if (columns === undefined || columns === '') return DEFAULT_STATUS_WIDTH;
  const parsed = Number(columns);
  if (Number.isInteger(parsed) && parsed > 0) return Math.max(MIN_STATUS_WIDTH, parsed);
  warn(
    `ignoring COLUMNS="${oneLine(columns)}": it is not a positive whole number of columns; wrapping to ${DEFAULT_STATUS_WIDTH} (set COLUMNS=120, say, or unset it)`,
  );
  return DEFAULT_STATUS_WIDTH;
}

/** Narrower than this, hanging indents leave no room for words: status wraps to this at least. */
const MIN_STATUS_WIDTH = 40;
