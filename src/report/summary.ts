import { countByStatus, UNIT_STATUSES } from '../machines/unit.js';
import type { ProposalStatus, RejectClass, UnitOrigin, UnitStatus } from '../events/types.js';
import type { Spend } from '../store/attempts.js';
import type { Store } from '../store/store.js';
import { formatSpend } from './cost.js';
import { greenNote } from './green-state.js';

/** How a unit can join a run after its start. */
export type AddedOrigin = Exclude<UnitOrigin, 'plan'>;
const ADDED_ORIGINS: readonly AddedOrigin[] = ['discovery', 'edit', 'fixup'];
const ADDED_WORDS: Record<AddedOrigin, string> = {
  discovery: 'by discovery',
  edit: 'by plan edit',
  fixup: 'as fixup',
};
const PROPOSAL_STATUSES: readonly ProposalStatus[] = [
  'accepted',
  'rejected',
  'duplicate',
  'over-cap',
  'proposed',
];
const PROPOSAL_WORDS: Record<ProposalStatus, string> = {
  accepted: 'accepted',
  rejected: 'rejected',
  duplicate: 'duplicate',
  'over-cap': 'over the cap',
  proposed: 'waiting',
};

export interface RunSummary {
  runId: number;
  plan: string;
  status: string;
  reason: string;
  units: Record<UnitStatus, number>;
  unitIds: Record<UnitStatus, string[]>;
  /** Units that joined while the run went on (live plan edits, discovery, fixups), by how. */
  added: Record<AddedOrigin, string[]>;
  /** What became of discovery's proposals (proposed: still waiting). */
  proposals: Record<ProposalStatus, number>;
  attempts: number;
  /** What the run's attempts used, as the agents reported it. */
  spend: Spend;
  merges: number;
  rejected: number;
  rejectedBy: Partial<Record<RejectClass, number>>;
  rounds: number;
  greenCommit: string | null;
  /** Where green is, or why it is not there yet. */
  green: string;
  workingCommit: string | null;
  elapsedSeconds: number;
  databasePath: string;
}

/** The end-of-run numbers, read back from the store so they match what was recorded. */
export function summarizeRun(
  store: Store,
  runId: number,
  extra: { greenCommit: string | null; workingCommit: string | null; databasePath: string },
): RunSummary {
  const run = store.runs.get(runId);
  if (!run) throw new Error(`no run ${runId} in the state database`);
  const rows = store.units.all(runId);
  const units = countByStatus(rows);
  const unitIds = Object.fromEntries(
    UNIT_STATUSES.map((status) => [
      status,
      rows.filter((unit) => unit.status === status).map((unit) => unit.id),
    ]),
  ) as Record<UnitStatus, string[]>;
  const added = Object.fromEntries(
    ADDED_ORIGINS.map((origin) => [
      origin,
      rows.filter((unit) => unit.origin === origin).map((unit) => unit.id),
    ]),
  ) as Record<AddedOrigin, string[]>;
  const proposals = Object.fromEntries(PROPOSAL_STATUSES.map((status) => [status, 0])) as Record<
    ProposalStatus,
    number
  >;
  for (const proposal of store.proposals.all(runId)) proposals[proposal.status] += 1;
  const merges = store.merges.forRun(runId);
  const rejectedBy: Partial<Record<RejectClass, number>> = {};
  for (const merge of merges) {
    if (merge.status === 'rejected' && merge.reject_class)
      rejectedBy[merge.reject_class] = (rejectedBy[merge.reject_class] ?? 0) + 1;
  }
  const ended = run.ended_at ? Date.parse(run.ended_at) : Date.now();
  return {
    runId,
    plan: run.plan_name,
    status: run.status,
    reason: run.reason,
    units,
    unitIds,
    added,
    proposals,
    attempts: store.attempts.forRun(runId).length,
    spend: store.attempts.runSpend(runId),
    merges: merges.filter((merge) => merge.status === 'merged').length,
    rejected: merges.filter((merge) => merge.status === 'rejected').length,
    rejectedBy,
    rounds: store.runs.rounds(runId).length,
    elapsedSeconds: Math.round((ended - Date.parse(run.started_at)) / 100) / 10,
    green: greenNote(store, runId, extra.greenCommit),
    ...extra,
  };
}

export function formatSummary(summary: RunSummary): string {
  const list = (status: UnitStatus): string =>
    summary.unitIds[status].length > 0 ? ` (${summary.unitIds[status].join(', ')})` : '';
  const classes = Object.entries(summary.rejectedBy)
    .map(([name, count]) => `${count} ${name}`)
    .join(', ');
  const lines = [
    `run #${summary.runId} of plan "${summary.plan}": ${summary.status} — ${summary.reason}`,
    `  units     ${summary.units.done} done, ${summary.units.failed} failed${list('failed')}, ${summary.units.blocked} blocked${list('blocked')}` +
      (summary.units.pending + summary.units.killed + summary.units.merging > 0
        ? `, ${summary.units.pending + summary.units.merging} unfinished${list('pending')}, ${summary.units.killed} killed${list('killed')}`
        : ''),
    ...planLines(summary),
    `  attempts  ${summary.attempts} in ${summary.rounds} round${summary.rounds === 1 ? '' : 's'}`,
    `  spent     ${formatSpend(summary.spend) || 'nothing reported by the agents'}`,
    `  merges    ${summary.merges} merged, ${summary.rejected} rejected${classes ? ` (${classes})` : ''}`,
    `  green     ${summary.green}`,
    `  working   ${summary.workingCommit ?? 'none'}`,
    `  elapsed   ${summary.elapsedSeconds.toFixed(1)} s`,
    `  state     ${summary.databasePath}`,
  ];
  return lines.join('\n');
}

/** What changed in the plan during the run, and what discovery proposed: nothing when neither happened. */
function planLines(summary: RunSummary): string[] {
  const lines: string[] = [];
  const total = ADDED_ORIGINS.reduce((sum, origin) => sum + summary.added[origin].length, 0);
  const removed = summary.unitIds.removed;
  if (total + removed.length > 0) {
    const by = ADDED_ORIGINS.filter((origin) => summary.added[origin].length > 0)
      .map((origin) => `${summary.added[origin].length} ${ADDED_WORDS[origin]}`)
      .join(', ');
    const parts = [
      total > 0 ? `${total} added during the run (${by})` : '',
      removed.length > 0 ? `${removed.length} removed (${removed.join(', ')})` : '',
    ];
    lines.push(`  plan      ${parts.filter((part) => part !== '').join(', ')}`);
  }
  const proposed = PROPOSAL_STATUSES.reduce((sum, status) => sum + summary.proposals[status], 0);
  if (proposed > 0) {
    const counts = PROPOSAL_STATUSES.filter((status) => summary.proposals[status] > 0)
      .map((status) => `${summary.proposals[status]} ${PROPOSAL_WORDS[status]}`)
      .join(', ');
    lines.push(`  proposals ${proposed}: ${counts}`);
  }
  return lines;
}
