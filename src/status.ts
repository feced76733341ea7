import { greenNote } from './report/green-state.js';
import { formatSpend, NO_SPEND } from './report/cost.js';
import { ORIGIN_WORDS } from './report/plan-changes.js';
import type { ProposalSource, ProposalStatus, UnitOrigin } from './events/types.js';
import type { Spend } from './store/attempts.js';
import type { Store } from './store/store.js';
import { terminalSafe, toTerminalText } from './util/terminal-text.js';

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
  health: {
    commit: string;
    label: string;
    round: number | null;
    passed: boolean;
    takenAt: string;
    checks: { name: string; passed: boolean; exitCode: number | null; unreadable?: boolean; note?: string }[];
  } | null;
  /** Where green is (as gaffer last put it), or exactly why it is not there yet. */
  green: { branch: string; commit: string | null; note: string };
}

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
  const attempts = store.attempts.forRun(run.id);
  const health = store.health.latest(run.id);
  const spendByUnit = store.attempts.spendByUnit(run.id);
  return {
    run: {
      id: run.id,
      plan: run.plan_name,
      status: run.status,
      reason: run.reason,
      startedAt: run.started_at,
      endedAt: run.ended_at,
      rounds: store.runs.rounds(run.id).length,
      maxRounds: run.max_rounds,
      spend: store.attempts.runSpend(run.id),
    },
    units: store.units.all(run.id).map((unit) => ({
      id: unit.id,
      title: unit.title,
      status: unit.status,
      reason: unit.reason,
      strikes: unit.strikes,
      dependsOn: deps.get(unit.id) ?? [],
      origin: unit.origin,
      discoveredFrom: unit.discovered_from,
      spend: spendByUnit.get(unit.id) ?? NO_SPEND,
      attempts: attempts
        .filter((attempt) => attempt.unit_id === unit.id)
        .map((attempt) => ({
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
        })),
    })),
    proposals: store.proposals.all(run.id).map((proposal) => ({
      id: proposal.id,
      unit: proposal.unit_id,
      title: proposal.title,
      status: proposal.status,
      source: proposal.source,
      from: proposal.discovered_from,
      reason: proposal.reason,
    })),
    mergeQueue: store.merges.forRun(run.id).map((merge) => ({
      id: merge.id,
      unit: merge.unit_id,
      status: merge.status,
      class: merge.reject_class,
      detail: merge.detail,
      commit: merge.merged_commit ?? merge.candidate,
    })),
    overlaps: store.overlaps.all(run.id).map((edge) => ({
      unit: edge.unit_id,
      waitedFor: edge.other_id,
      files: parseFiles(edge.files_json),
      reason: edge.reason,
      at: edge.at,
    })),
    health: health
      ? {
          commit: health.commit,
          label: health.label,
          round: health.round,
          passed: health.passed,
          takenAt: health.takenAt,
          checks: health.checks.map((check) => ({
            name: check.name,
            passed: check.passed,
            exitCode: check.exitCode,
            ...(check.unreadable ? { unreadable: true } : {}),
            ...(check.note ? { note: check.note } : {}),
          })),
        }
      : null,
    green: greenOf(store, run.id, run.config_json),
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

/** One line of a reason or detail: the layout is one line per unit, attempt and merge. */
const oneLine = (text: string): string => toTerminalText(text);

export function formatStatus(report: StatusReport): string {
  const { run } = report;
  const out = [
    `run #${run.id} of plan "${oneLine(run.plan)}": ${run.status}${run.reason ? ` — ${oneLine(run.reason)}` : ''}`,
    `  started ${run.startedAt}${run.endedAt ? `, ended ${run.endedAt}` : ''}; round ${run.rounds} of ${run.maxRounds}`,
    `  spent ${formatSpend(run.spend) || 'nothing reported by the agents'}`,
    '',
    'units',
  ];
  const width = Math.max(4, ...report.units.map((unit) => unit.id.length));
  for (const unit of report.units) {
    const spent = formatSpend(unit.spend);
    out.push(
      `  ${unit.id.padEnd(width)}  ${unit.status.padEnd(8)} ${spent ? `[${spent}] ` : ''}${oneLine(unit.reason)}`,
    );
    if (unit.origin !== 'plan')
      out.push(
        `  ${''.padEnd(width)}    added by ${ORIGIN_WORDS[unit.origin]}${unit.discoveredFrom ? ` from ${oneLine(unit.discoveredFrom)}` : ''}`,
      );
    for (const attempt of unit.attempts) {
      const used = formatSpend(attempt.usage);
      out.push(
        `  ${''.padEnd(width)}    #${attempt.number} (round ${attempt.round}) ${attempt.outcome}${used ? ` [${used}]` : ''}: ${oneLine(attempt.reason)}`,
      );
    }
  }
  if (report.proposals.length > 0) {
    out.push('', 'proposals');
    const unitWidth = Math.max(...report.proposals.map((proposal) => proposal.unit.length));
    for (const proposal of report.proposals) {
      out.push(
        `  #${proposal.id} ${proposal.unit.padEnd(unitWidth)}  ${proposal.status.padEnd(9)} ${proposal.source.padEnd(8)}from ${oneLine(proposal.from)}${proposal.reason ? `: ${oneLine(proposal.reason)}` : ''}`,
      );
    }
  }
  out.push('', 'merge queue');
  if (report.mergeQueue.length === 0) out.push('  (empty)');
  for (const merge of report.mergeQueue) {
    const detail = merge.class
      ? ` (${merge.class}): ${oneLine(merge.detail.split('\n')[0] ?? '')}`
      : merge.commit
        ? ` ${merge.commit.slice(0, 10)}`
        : '';
    out.push(`  #${merge.id} ${merge.unit.padEnd(width)} ${merge.status}${detail}`);
  }
  if (report.overlaps.length > 0) {
    out.push('', 'overlap edges (held back, not dependencies)');
    for (const edge of report.overlaps)
      out.push(
        `  ${edge.unit.padEnd(width)} waited for ${edge.waitedFor} on ${oneLine(edge.files.join(', '))}: ${oneLine(edge.reason)}`,
      );
  }
  out.push('', `green (${report.green.branch})`, `  ${oneLine(report.green.note)}`);
  out.push('', 'health');
  if (!report.health) out.push('  no snapshot yet (no checks configured, or none has run)');
  else {
    const health = report.health;
    out.push(
      `  ${health.label}${health.round === null ? '' : ` of round ${health.round}`} at ${health.commit.slice(0, 10)}: ${health.passed ? 'all checks pass' : 'failing'}`,
    );
    for (const check of health.checks) {
      const verdict = check.passed
        ? 'pass'
        : check.unreadable
          ? 'UNREADABLE (not verified)'
          : `FAIL (exit ${check.exitCode ?? 'none'})`;
      out.push(`    ${check.name}: ${verdict}${check.note ? `: ${oneLine(check.note)}` : ''}`);
    }
  }
  return out.join('\n');
}
