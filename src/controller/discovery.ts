import type { Config } from '../config/schema.js';
import { dedupe, assignIds } from '../discovery/dedupe.js';
import { proposalFromAgent } from '../discovery/from-agent.js';
import { proposalsFromHandoff } from '../discovery/from-handoff.js';
import { proposalsFromSnapshot } from '../discovery/from-health.js';
import { fixupChecks, fixupProposal } from '../discovery/fixup.js';
import type { Proposal } from '../discovery/proposal.js';
import { errorMessage } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { ProposalDecision } from '../events/types.js';
import { UnitSchema, type Unit } from '../plan/schema.js';
import { askDiscoveryAgent } from '../planning/discovery-agent.js';
import type { Snapshot } from '../store/health.js';
import type { ProposalRow } from '../store/proposals.js';
import { redact } from '../util/redact.js';
import { HandoffSchema } from '../workers/handoff.js';
import type { CommandResult, OpenProposal } from './control.js';
import type { PlanBook } from './plan-book.js';
import type { EventSpec, Recorder } from './recorder.js';

export interface DiscoveryOptions {
  recorder: Recorder;
  runId: number;
  book: PlanBook;
  config: Config;
  repo: string;
  stateDir: string;
  signal: AbortSignal;
  /** The round under way (proposals are capped per round); null before the first. */
  round: () => number | null;
  /** The commit the discovery agent audits: the working branch's tip. */
  workingTip: () => string | undefined;
  /** A unit joined the plan: the scheduler looks again. */
  onAdded: () => void;
}

type Trigger = string;

/**
 * Finding work while a run goes on: proposals from health snapshots (each
 * failing test, each file's findings), from handoffs' discoveries, from an
 * optional discovery agent, and a fixup when the working branch broke. Each
 * proposal is de-duplicated against the plan and earlier proposals, recorded
 * with where it came from, and joins the plan at once (`discovery.mode:
 * auto`, `fixup: auto`) or when the operator accepts it (`confirm`,
 * `propose`). At most `discovery.maxPerRound` proposals are taken per round;
 * the rest are recorded as over the cap and may come back in a later round.
 * Passes run one at a time, in order.
 */
export class Discovery {
  private chain: Promise<void> = Promise.resolve();
  private agentRunning = false;

  constructor(private readonly options: DiscoveryOptions) {}

  private get mode(): Config['discovery']['mode'] {
    return this.options.config.discovery.mode;
  }

  /** A discovery agent is configured (and discovery is on). */
  get agentConfigured(): boolean {
    return this.mode !== 'off' && this.options.config.discovery.agent !== undefined;
  }

  /** Waits for every pass started so far (the run's end waits for this). */
  idle(): Promise<void> {
    return this.chain;
  }

  /**
   * After a health snapshot of the working branch: a fixup when a gating
   * check broke (or the baseline is red), and a proposal per failure.
   */
  afterSnapshot(
    snapshot: Snapshot,
    previous: Snapshot | undefined,
    round: number | null,
    label: string,
  ): void {
    const { config } = this.options;
    let covered = new Set<string>();
    if (config.fixup !== 'off') {
      const fixup = fixupProposal(snapshot, previous, { round, working: config.branches.working });
      if (fixup) {
        this.propose([fixup], `the ${label} snapshot`, config.fixup === 'auto');
        covered = fixupChecks(fixup);
      }
    }
    if (this.mode === 'off' || !config.discovery.fromHealth || snapshot.passed) return;
    // The checks a fixup covers are its work: no second unit for the same failures.
    const rest = { ...snapshot, checks: snapshot.checks.filter((check) => !covered.has(check.name)) };
    this.propose(
      proposalsFromSnapshot(rest, { round, label }),
      `the ${label} snapshot`,
      this.mode === 'auto',
    );
  }

  /** Reads the discoveries of each attempt that hands off a valid handoff; returns the unsubscribe. */
  watchHandoffs(bus: EventBus): () => void {
    const { recorder, runId } = this.options;
    return bus.on('attempt:ended', (event) => {
      if (event.runId !== runId || event.handoff !== 'valid') return;
      const row = recorder.store.attempts.find(runId, event.unitId, event.attempt);
      this.afterHandoff(event.unitId, event.attempt, row?.handoff_json ?? null);
    });
  }

  /** An attempt handed off: the discoveries it reported. */
  afterHandoff(unitId: string, attempt: number, handoffJson: string | null): void {
    if (this.mode === 'off' || !this.options.config.discovery.fromHandoffs || handoffJson === null) return;
    const handoff = HandoffSchema.safeParse(safeJson(handoffJson));
    if (!handoff.success || handoff.data.discoveries.length === 0) return;
    this.propose(
      proposalsFromHandoff(unitId, attempt, handoff.data),
      `the handoff of ${unitId} (attempt ${attempt})`,
      this.mode === 'auto',
    );
  }

  /**
   * Discovery now (the `d` key, `gaffer discover`, a plan run dry): the
   * latest snapshot's failures again and the discovery agent when one is
   * configured. Answers at once; what it finds arrives as events.
   */
  runNow(trigger: Trigger, latest: Snapshot | undefined): CommandResult {
    const { config } = this.options;
    if (this.mode === 'off')
      return refuse(
        'discovery is off ("discovery.mode": "off" in the config): set it to "confirm" or "auto"',
      );
    if (this.agentRunning)
      return refuse('discovery is already running: its proposals arrive as it finds them');
    const sources: string[] = [];
    if (latest && config.discovery.fromHealth && !latest.passed) {
      sources.push('the latest health snapshot');
      this.propose(
        proposalsFromSnapshot(latest, { round: this.options.round(), label: 'latest' }),
        trigger,
        this.mode === 'auto',
      );
    }
    if (config.discovery.agent !== undefined) {
      sources.push('the discovery agent');
      this.askAgent(trigger);
    }
    if (sources.length === 0) {
      this.say(
        trigger,
        0,
        0,
        'nothing to discover from: the latest snapshot passes and no "discovery.agent" is configured',
      );
      return refuse(
        'nothing to discover from: the latest health snapshot passes and no discovery agent is configured ("discovery.agent" in the config)',
      );
    }
    return done(
      `discovery runs (${sources.join(' and ')})${this.mode === 'confirm' ? ': proposals wait for you (v reviews them)' : ''}`,
    );
  }

  /** The discovery agent audits the working branch against the objective (one at a time). */
  askAgent(trigger: Trigger): void {
    const { book, config, repo, stateDir, signal } = this.options;
    const base = this.options.workingTip();
    if (base === undefined) return;
    this.agentRunning = true;
    this.enqueue(async () => {
      try {
        const answer = await askDiscoveryAgent({
          objective: book.objective ?? '',
          units: this.options.book
            .liveUnits()
            .map((live) => ({ id: live.unit.id, title: live.unit.title, status: live.status })),
          repo,
          baseCommit: base,
          config,
          stateDir,
          signal,
        });
        const round = this.options.round();
        this.record(
          answer.proposals.map((proposal) => proposalFromAgent(proposal, round)),
          `${trigger}, the discovery agent`,
          this.mode === 'auto',
          answer.note ?? '',
        );
      } catch (error) {
        if (signal.aborted) return;
        this.options.recorder.record([
          [
            'supervisor:warning',
            { runId: this.options.runId, message: redact(`discovery agent: ${errorMessage(error)}`) },
          ],
        ]);
      } finally {
        this.agentRunning = false;
      }
    });
  }

  /** Proposals waiting for the operator, oldest first. */
  open(): OpenProposal[] {
    return this.options.recorder.store.proposals.open(this.options.runId).map(toOpenProposal);
  }

  /** The operator takes a proposal: it joins the plan as a unit. */
  accept(proposalId: number): CommandResult {
    const row = this.options.recorder.store.proposals.get(this.options.runId, proposalId);
    if (!row || row.status !== 'proposed') return refuse(notWaiting(proposalId, row));
    const unitId = this.join(row, 'operator');
    return done(`${unitId} joined the plan (proposal #${proposalId}, from ${row.discovered_from})`);
  }

  /** The operator drops a proposal; it stays in the record as rejected and is not proposed again. */
  reject(proposalId: number): CommandResult {
    const { recorder, runId } = this.options;
    const row = recorder.store.proposals.get(runId, proposalId);
    if (!row || row.status !== 'proposed') return refuse(notWaiting(proposalId, row));
    this.decide(row, 'rejected', 'operator', 'rejected by the operator');
    return done(`proposal #${proposalId} (${row.unit_id}) rejected`);
  }

  private propose(proposals: readonly Proposal[], trigger: Trigger, auto: boolean): void {
    if (proposals.length === 0) return;
    // In order behind any agent pass, so two passes never judge duplicates against a stale record.
    this.enqueue(() => this.record(proposals, trigger, auto, ''));
  }

  private enqueue(work: () => void | Promise<void>): void {
    this.chain = this.chain.then(work).catch((error: unknown) => {
      if (this.options.recorder.failure) return;
      try {
        this.options.recorder.record([
          [
            'supervisor:warning',
            { runId: this.options.runId, message: redact(`discovery: ${errorMessage(error)}`) },
          ],
        ]);
      } catch {
        // The store failed: the recorder's failure stops the run.
      }
    });
  }

  /** De-duplicates, records and (automatic, within the cap) takes a batch of proposals. */
  private record(proposals: readonly Proposal[], trigger: Trigger, auto: boolean, note: string): void {
    const { recorder, runId, book } = this.options;
    const store = recorder.store;
    const earlier = store.proposals.all(runId).filter((row) => row.status !== 'over-cap');
    const existing = {
      units: book.liveUnits().map((live) => ({
        id: live.unit.id,
        title: live.unit.title,
        prompt: live.unit.prompt,
        files: live.unit.files ?? [],
      })),
      proposals: earlier.map((row) => ({ unitId: row.unit_id, keys: JSON.parse(row.keys_json) as string[] })),
    };
    const { fresh, duplicates } = dedupe(proposals, existing);
    const taken = new Set([...book.takenIds(), ...earlier.map((row) => row.unit_id)]);
    const named = assignIds(fresh, taken);
    const round = this.options.round();
    const cap = this.options.config.discovery.maxPerRound;
    let room = cap - store.proposals.takenInRound(runId, round);
    let proposed = 0;
    for (const proposal of named) {
      // A fixup is never held back by the cap: new work would be judged against a red branch.
      const overCap = proposal.source !== 'fixup' && room <= 0;
      if (!overCap && proposal.source !== 'fixup') room -= 1;
      const id = this.insert(
        proposal,
        round,
        overCap ? 'over-cap' : 'proposed',
        overCap
          ? `over the cap of ${cap} per round (discovery.maxPerRound); it may be proposed again in a later round`
          : '',
      );
      if (overCap) continue;
      proposed += 1;
      const row = store.proposals.get(runId, id);
      if (auto && row) this.join(row, 'auto');
    }
    // Duplicates an agent or a handoff named are recorded, so the operator can see why they did not join.
    for (const duplicate of duplicates) {
      if (duplicate.proposal.source === 'health') continue;
      this.insert(
        duplicate.proposal,
        round,
        'duplicate',
        `the same work as ${duplicate.of}: ${duplicate.why}`,
      );
    }
    this.say(trigger, proposed, duplicates.length, note);
  }

  private insert(
    proposal: Proposal,
    round: number | null,
    status: 'proposed' | 'over-cap' | 'duplicate',
    reason: string,
  ): number {
    const { recorder, runId } = this.options;
    let id = 0;
    const stored = {
      ...proposal,
      prompt: redact(proposal.prompt),
      title: redact(proposal.title),
      discoveredFrom: redact(proposal.discoveredFrom),
    };
    // The id is known only once the row is written: the events are made after it.
    recorder.recordMade(() => {
      id = recorder.store.proposals.insert(runId, { ...stored, round }, status, reason);
      const { unitId, title, source, discoveredFrom } = stored;
      const events: EventSpec[] = [
        ['discovery:proposed', { runId, proposalId: id, unitId, title, source, discoveredFrom }],
      ];
      if (status !== 'proposed') {
        events.push([
          'discovery:decided',
          { runId, proposalId: id, unitId, decision: status, by: 'auto', reason },
        ]);
      }
      return events;
    });
    return id;
  }

  /** A proposal becomes a unit of the plan, in one transaction with its decision. */
  private join(row: ProposalRow, by: 'auto' | 'operator'): string {
    const { book, runId, recorder } = this.options;
    const known = new Set(book.liveUnits().map((live) => live.unit.id));
    const dependsOn = (JSON.parse(row.depends_on_json) as string[]).filter((id) => known.has(id));
    let unitId = row.unit_id;
    // An edit of the plan file may have taken the id since it was proposed.
    if (book.takenIds().has(unitId))
      unitId = assignIds([rowProposal(row)], book.takenIds())[0]?.unitId ?? unitId;
    const unit: Unit = UnitSchema.parse({
      id: unitId,
      title: row.title,
      prompt: row.prompt,
      depends_on: dependsOn,
      ...((JSON.parse(row.files_json) as string[]).length > 0
        ? { files: JSON.parse(row.files_json) as string[] }
        : {}),
    });
    const reason =
      by === 'operator' ? 'accepted by the operator: joined the plan' : 'joined the plan (automatic)';
    book.add(unit, row.source === 'fixup' ? 'fixup' : 'discovery', row.discovered_from, {
      before: [
        ['discovery:decided', { runId, proposalId: row.id, unitId, decision: 'accepted', by, reason }],
      ],
      write: () => {
        if (!recorder.store.proposals.decide(runId, row.id, 'accepted', reason))
          throw new Error(`proposal #${row.id} was decided meanwhile`);
      },
    });
    this.options.onAdded();
    return unitId;
  }

  private decide(
    row: ProposalRow,
    decision: ProposalDecision,
    by: 'auto' | 'operator',
    reason: string,
  ): void {
    const { recorder, runId } = this.options;
    recorder.record(
      [['discovery:decided', { runId, proposalId: row.id, unitId: row.unit_id, decision, by, reason }]],
      () => {
        if (!recorder.store.proposals.decide(runId, row.id, decision, reason))
          throw new Error(`proposal #${row.id} was decided meanwhile`);
      },
    );
  }

  private say(trigger: Trigger, proposed: number, duplicates: number, note: string): void {
    this.options.recorder.record([
      ['discovery:ran', { runId: this.options.runId, trigger, proposed, duplicates, note }],
    ]);
  }
}

function toOpenProposal(row: ProposalRow): OpenProposal {
  return {
    id: row.id,
    unitId: row.unit_id,
    title: row.title,
    prompt: row.prompt,
    source: row.source,
    discoveredFrom: row.discovered_from,
  };
}

function rowProposal(row: ProposalRow): Proposal {
  return {
    unitId: row.unit_id,
    title: row.title,
    prompt: row.prompt,
    dependsOn: JSON.parse(row.depends_on_json) as string[],
    files: JSON.parse(row.files_json) as string[],
    source: row.source,
    discoveredFrom: row.discovered_from,
    keys: JSON.parse(row.keys_json) as string[],
  };
}

function notWaiting(proposalId: number, row: ProposalRow | undefined): string {
  return row === undefined
    ? `there is no proposal #${proposalId} in this run (\`gaffer status\` lists them)`
    : `proposal #${proposalId} is already ${row.status}${row.reason ? ` (${row.reason})` : ''}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const done = (message: string): CommandResult => ({ ok: true, message });
const refuse = (message: string): CommandResult => ({ ok: false, message });
