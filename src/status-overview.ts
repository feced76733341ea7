/**
 * `gaffer status` for a big run: a screenful that answers "how is it going
 * and what needs me" instead of one block per unit (140,000 lines at 10,000
 * units, seconds to print and nothing an operator reads). The run's header;
 * units, attempts and merge requests counted by state in SQL; then the units
 * that need the operator (failed, blocked, killed, retrying, running,
 * merging), each with its reasons and attempts exactly as the full listing
 * shows them, GROUP_SHOWN per group and a count of the rest; what waits in
 * the merge queue and for a decision; green and health as always.
 *
 * Runs of up to FULL_LISTING_UNITS units keep the full listing, and
 * `--all` gives it at any size; `--json` is always complete.
 */
import { UNIT_STATUSES } from './machines/unit.js';
import { StatusReads, type MergeCount } from './store/status-reads.js';
import type { RunRow } from './store/runs.js';
import type { Store } from './store/store.js';
import {
  greenAndHealthLines,
  headerLines,
  healthAndGreenOf,
  overlapLines,
  overlapOf,
  proposalLines,
  proposalOf,
  requestLines,
  requestOf,
  runOf,
  unitColumn,
  unitLines,
  unitOf,
  wrapTo,
  type StatusFormat,
  type StatusReport,
} from './status.js';
import { terminalSafe } from './util/terminal-text.js';

/**
 * Runs of up to this many units print every unit, as status always did: 50
 * units take 150 to 250 lines (a unit, its attempts, their verdicts), a few
 * pages that read in one go, where a unit-by-unit account is still what one
 * wants. Past it the listing outgrows any screen and the overview answers.
 */
export const FULL_LISTING_UNITS = 50;

/** Units listed per group in the overview; the rest are counted, and `--all` lists them. */
export const GROUP_SHOWN = 20;

/** The groups of units that need the operator, in the order they are shown: what needs a decision first. */
const ATTENTION_GROUPS: readonly { name: string; status: string; retrying?: boolean; why: string }[] = [
  { name: 'failed', status: 'failed', why: 'no attempts left: `gaffer retry <unit>` runs it again' },
  { name: 'blocked', status: 'blocked', why: 'a dependency failed' },
  { name: 'killed', status: 'killed', why: 'an operator stopped it: `gaffer retry <unit>` runs it again' },
  {
    name: 'retrying',
    status: 'pending',
    retrying: true,
    why: 'an attempt ended without landing; the next one comes',
  },
  { name: 'running', status: 'running', why: 'an agent works on it now' },
  { name: 'merging', status: 'merging', why: 'its work is in the merge queue' },
];

type StatusUnit = StatusReport['units'][number];

export interface StatusOverview {
  run: StatusReport['run'];
  /** How many units the run has, and how many in each status (every status, in the machine's order). */
  units: { total: number; byStatus: { status: string; count: number }[]; retrying: number };
  attempts: number;
  merges: MergeCount[];
  /** The units that need the operator, by group: the first GROUP_SHOWN of `total`, in plan order. */
  groups: { name: string; why: string; total: number; units: StatusUnit[] }[];
  /** The requests the shown units' attempts refer to (their rejections' details). */
  requests: StatusReport['mergeQueue'];
  /** Requests still in the queue: the first GROUP_SHOWN of `total`. */
  queue: { total: number; shown: StatusReport['mergeQueue'] };
  proposals: {
    byStatus: { status: string; count: number }[];
    waiting: number;
    shown: StatusReport['proposals'];
  };
  overlaps: { total: number; recent: StatusReport['overlaps'] };
  health: StatusReport['health'];
  baseline: StatusReport['baseline'];
  attributions: StatusReport['attributions'];
  green: StatusReport['green'];
}

/** The run status shows: the one asked for, else the latest. */
export function statusRun(store: Store, runId?: number): RunRow | undefined {
  return runId === undefined ? store.runs.latest() : store.runs.get(runId);
}

/** Whether the run is small enough that every unit is listed (a count from the index, no unit read). */
export function fitsFullListing(store: Store, runId: number): boolean {
  let total = 0;
  for (const count of new StatusReads(store.db).unitCounts(runId).values()) total += count;
  return total <= FULL_LISTING_UNITS;
}

/** Reads the overview of a run: counts in SQL and the few rows shown. Every string terminal-safe. */
export function readStatusOverview(store: Store, run: RunRow): StatusOverview {
  const reads = new StatusReads(store.db);
  const counts = reads.unitCounts(run.id);
  const requests = new Map<number, StatusReport['mergeQueue'][number]>();
  const unitShown = (unit: Parameters<typeof unitOf>[0]): StatusUnit =>
    unitOf(
      unit,
      reads.dependenciesOf(run.id, unit.id),
      store.attempts.unitSpend(run.id, unit.id),
      reads.attemptsOf(run.id, unit.id),
      (attemptId) => {
        const merge = reads.newestMergeOf(attemptId);
        if (merge) requests.set(merge.id, requestOf(merge));
        return merge;
      },
    );
  const retrying = reads.retryingCount(run.id);
  const groups = ATTENTION_GROUPS.map(({ name, status, retrying: isRetry, why }) => ({
    name,
    why,
    total: isRetry ? retrying : (counts.get(status) ?? 0),
    units: reads.unitsIn(run.id, status, GROUP_SHOWN, isRetry).map(unitShown),
  })).filter((group) => group.total > 0);
  const proposalCounts = reads.proposalCounts(run.id);
  const merges = reads.mergeCounts(run.id);
  const overview: StatusOverview = {
    run: runOf(store, run),
    units: {
      total: [...counts.values()].reduce((sum, count) => sum + count, 0),
      byStatus: UNIT_STATUSES.map((status) => ({ status, count: counts.get(status) ?? 0 })),
      retrying,
    },
    attempts: reads.attemptCount(run.id),
    merges,
    groups,
    requests: [...requests.values()],
    queue: {
      total: merges
        .filter((count) => count.status !== 'merged' && count.status !== 'rejected')
        .reduce((sum, count) => sum + count.count, 0),
      shown: reads.openMerges(run.id, GROUP_SHOWN).map(requestOf),
    },
    proposals: {
      byStatus: [...proposalCounts].map(([status, count]) => ({ status, count })),
      waiting: proposalCounts.get('proposed') ?? 0,
      shown: reads.waitingProposals(run.id, GROUP_SHOWN).map(proposalOf),
    },
    overlaps: {
      total: reads.overlapCount(run.id),
      recent: reads.recentOverlaps(run.id, GROUP_SHOWN).map(overlapOf),
    },
    ...healthAndGreenOf(store, run),
  };
  return terminalSafe(overview);
}

/** The overview as text: a screenful, whatever the run's size. */
export function formatStatusOverview(overview: StatusOverview, format: StatusFormat = {}): string {
  const wrap = wrapTo(format);
  const out = [...headerLines(overview.run, wrap), '', ...countLines(overview)];
  const width = unitColumn(overview.groups.flatMap((group) => group.units));
  const requests = new Map(overview.requests.map((request) => [request.id, request]));
  if (overview.groups.length === 0)
    out.push('', 'no unit needs you: none failed, blocked, killed, retrying or in flight');
  for (const group of overview.groups) {
    out.push('', `${group.name} (${group.total}): ${group.why}`);
    for (const unit of group.units) out.push(...unitLines(unit, width, requests, wrap));
    out.push(...moreLine(group.total, group.units.length));
  }
  if (overview.queue.total > 0) {
    out.push('', `merge queue (${overview.queue.total} waiting)`);
    out.push(
      ...requestLines(overview.queue.shown, width, wrap),
      ...moreLine(overview.queue.total, overview.queue.shown.length),
    );
  }
  if (overview.proposals.waiting > 0) {
    out.push(
      '',
      `proposals waiting for a decision (${overview.proposals.waiting}): \`gaffer discover --accept <id>\` or \`--reject <id>\``,
    );
    out.push(
      ...proposalLines(overview.proposals.shown),
      ...moreLine(overview.proposals.waiting, overview.proposals.shown.length),
    );
  }
  if (overview.overlaps.total > 0) {
    out.push(
      '',
      `overlap edges (held back, not dependencies): ${overview.overlaps.total}, the newest ${overview.overlaps.recent.length}`,
    );
    out.push(...overlapLines(overview.overlaps.recent, width));
  }
  out.push(...greenAndHealthLines(overview, wrap));
  return out.join('\n');
}

/** Units, attempts, merge requests and proposals counted by state, and where the rest is. */
function countLines(overview: StatusOverview): string[] {
  const { units } = overview;
  const states = units.byStatus
    .filter(({ count }) => count > 0)
    .map(({ status, count }) =>
      status === 'pending' && units.retrying > 0
        ? `${count} pending (${units.retrying} retrying)`
        : `${count} ${status}`,
    );
  const merged = overview.merges
    .filter((count) => count.status === 'merged')
    .reduce((sum, c) => sum + c.count, 0);
  const rejected = overview.merges.filter((count) => count.status === 'rejected');
  const rejectedTotal = rejected.reduce((sum, count) => sum + count.count, 0);
  const requestTotal = overview.merges.reduce((sum, count) => sum + count.count, 0);
  const classes = rejected
    .map((count) => `${count.count} ${count.reject_class ?? 'unclassified'}`)
    .join(', ');
  const proposals = overview.proposals.byStatus.map(({ status, count }) => `${count} ${status}`).join(', ');
  return [
    `units: ${units.total} (${states.join(', ') || 'none'})`,
    `  attempts: ${overview.attempts}; merge requests: ${requestTotal} (${merged} merged, ${rejectedTotal} rejected${classes ? `: ${classes}` : ''}, ${requestTotal - merged - rejectedTotal} in the queue)`,
    ...(proposals ? [`  proposals: ${proposals}`] : []),
    `  every unit, attempt and request: \`gaffer status --all\` (text) or \`gaffer status --json\``,
  ];
}

/** "… and N more": what a capped list left out, and the flag that shows it. */
function moreLine(total: number, shown: number): string[] {
  return total > shown ? [`  … and ${total - shown} more: gaffer status --all`] : [];
}
