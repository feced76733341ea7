/**
 * The mission as the screen knows it: a reducer over GafferEvents into
 * mutable, bounded state, and builders that copy each section into the
 * immutable rows of a ViewSnapshot. apply() says which sections an event
 * changed, so the store rebuilds only those and the panes whose props did not
 * change keep their references (and skip re-rendering).
 *
 * Cost per event is O(1) except for state changes of units and merges, which
 * are rare; worker:output, the flood, only stores a reference to the newest line.
 */
import { countByStatus } from '../../src/machines/unit.js';
import type { GafferEvent, GafferEvents, Usage as Spend } from '../../src/events/types.js';
import { addSpend, formatSpend, NO_SPEND } from '../../src/report/cost.js';
import { HealthState } from './health-state.js';
import { attemptHost, HostStates, LOCAL_HOST } from './host-state.js';
import { progressOf, ProgressSamples } from './progress.js';
import { screenText } from './screen-text.js';
import {
  addMark,
  FAILED_OUTCOMES,
  isRetrying,
  newUnit,
  OUTCOME_WORDS,
  unitRow,
  wantsAttention,
  type UnitState,
} from './unit-state.js';
import type {
  HealthView,
  HeaderView,
  HostRow,
  MergeRow,
  MissionInfo,
  ProposalRow,
  RoundRow,
  UnitCounts,
  UnitRow,
  WorkerRow,
} from './types.js';

export type Section =
  'header' | 'rounds' | 'workers' | 'hosts' | 'attention' | 'merges' | 'health' | 'messages' | 'proposals';

/** Bounds: the screen never shows more, and memory never holds more. */
export const MAX_ROUNDS_KEPT = 50;
export const MAX_ENDED_MERGES_KEPT = 20;
/** Waiting proposals kept for the list; more are counted (the controller holds them all). */
export const MAX_PROPOSALS_KEPT = 200;

interface SlotState {
  unitId: string | null;
  attempt: number;
  strikes: number;
  running: boolean;
  outcome: WorkerRow['outcome'];
  startedAt: number;
  endedAt: number | null;
  /** The newest line as it came (sanitized only when a snapshot is built). */
  rawLine: string;
  /** How the attempt ended, in words, once it ended: what the row shows instead of its last line. */
  endLine: string;
  lines: number;
  logPath: string | null;
  /** The attempt's usage so far (its total once it ended); null until its agent reports some. */
  usage: Spend | null;
  /** Where the attempt runs: this machine or a worker host. */
  host: string;
}

type SnapshotPayload = GafferEvents['health:snapshot'];

export class MissionState {
  planName: string;
  runId: number;
  maxRounds: number;
  round = 0;
  startedAt: number;
  endedAt: number | null = null;
  ended: { status: GafferEvents['run:ended']['status']; reason: string } | null = null;
  paused = false;
  greenCommit: string | null = null;
  /** Why green is not where working is (held back, or moved by someone else); null when it follows. */
  greenHeld: string | null = null;
  readonly maxAttempts: number | undefined;

  private readonly units = new Map<string, UnitState>();
  private readonly slots: SlotState[] = [];
  /** Running attempts: unit id → slot index. */
  private readonly slotOf = new Map<string, number>();
  private readonly rounds: RoundRow[] = [];
  private readonly merges = new Map<number, MergeRow>();
  private readonly health = new HealthState();
  private readonly hosts = new HostStates();
  /** Waiting proposals by id, oldest first. */
  private readonly proposals = new Map<number, ProposalRow>();
  /** Waiting proposals beyond MAX_PROPOSALS_KEPT: counted, not listed. */
  private proposalsNotKept = 0;
  /** What ended attempts used, those before this screen included. */
  private endedSpend: Spend;
  /** Set once a run:started was seen: a resumed run's own start keeps the run's first start time. */
  private started = false;
  /** Recent attempt and merge durations, for the estimate of the end (progress.ts). */
  private readonly samples = new ProgressSamples();
  private readonly concurrency: number | undefined;

  constructor(info: MissionInfo, now: number) {
    // Plan files are often written by agents: names and titles are screen text like their output.
    this.planName = screenText(info.planName, 200);
    this.runId = info.runId;
    this.maxRounds = info.maxRounds;
    this.startedAt = now;
    this.maxAttempts = info.maxAttempts;
    this.concurrency = info.concurrency;
    this.endedSpend = info.spent ?? NO_SPEND;
    for (const unit of info.units) {
      this.units.set(unit.id, {
        ...newUnit(unit.id, unit.title, unit.status ?? 'pending', this.units.size),
        dependsOn: unit.dependsOn,
        origin: unit.origin ?? 'plan',
        discoveredFrom: unit.discoveredFrom ?? null,
      });
    }
    this.takeProposals(info.proposals ?? []);
    for (let slot = 0; slot < (info.concurrency ?? 0); slot += 1) this.slots.push(emptySlot());
    if (info.history && info.history.length > 0) this.replayHistory(info.history, info);
  }

  /**
   * A resumed run: its earlier rounds, attempts, merges, health and green
   * branch, from its recorded events. The units' statuses are the database's
   * (info.units), which the history ends in anyway; what was spent is
   * info.spent. Nothing runs at a resume, so no slot is left running.
   */
  private replayHistory(history: readonly GafferEvent[], info: MissionInfo): void {
    for (const event of history) this.apply(event);
    for (const slot of this.slots) slot.running = false;
    this.slotOf.clear();
    // The hosts report again as this supervisor connects; an earlier one's "down" would be stale.
    this.hosts.clear();
    for (const unit of info.units) {
      const state = this.units.get(unit.id);
      if (state && unit.status !== undefined) state.status = unit.status;
    }
    this.endedSpend = info.spent ?? NO_SPEND;
  }

  /** Reduces one event; returns the sections it changed (empty: nothing visible changed). */
  apply(event: GafferEvent): readonly Section[] {
    switch (event.type) {
      case 'worker:output': {
        const p = event.payload;
        const slot = this.runningSlot(p.unitId, p.attempt);
        if (!slot) return NONE; // late line from an ended attempt: dropped by attempt number
        slot.rawLine = p.line;
        slot.lines += 1;
        return WORKERS;
      }
      case 'run:started': {
        const p = event.payload;
        this.runId = p.runId;
        this.planName = screenText(p.planName, 200);
        this.maxRounds = p.maxRounds;
        // A resumed run's elapsed time counts from its first start (its history's run:started).
        if (!(p.resumed && this.started)) this.startedAt = Date.parse(event.at);
        this.started = true;
        this.ended = null;
        this.endedAt = null;
        return HEADER;
      }
      case 'run:ended':
        this.ended = { status: event.payload.status, reason: screenText(event.payload.reason, 200) };
        this.endedAt = Date.parse(event.at);
        return HEADER;
      case 'round:started':
        this.round = event.payload.round;
        if (this.round > this.maxRounds) this.maxRounds = this.round;
        // A resumed run starts its interrupted round again: one row per round.
        if (this.roundRow(event.payload.round)) return HEADER;
        this.rounds.push({
          round: event.payload.round,
          done: 0,
          failed: 0,
          merged: 0,
          rejected: 0,
          checksPassed: null,
          checksTotal: null,
          healthDelta: null,
          startedAt: Date.parse(event.at),
          durationMs: null,
        });
        if (this.rounds.length > MAX_ROUNDS_KEPT) this.rounds.shift();
        return HEADER_ROUNDS;
      case 'round:ended': {
        const p = event.payload;
        const row = this.roundRow(p.round);
        if (!row) return NONE;
        // The round's own counts confirm the live ones; its failed counts units, the row counts attempts.
        Object.assign(row, { done: p.done, merged: p.merged, rejected: p.rejected });
        row.durationMs = Math.max(0, Date.parse(event.at) - row.startedAt);
        return ROUNDS;
      }
      case 'unit:state':
        this.samples.changed(Date.parse(event.at));
        return this.applyUnitState(event.payload);
      case 'attempt:started':
        return this.applyAttemptStarted(event.payload, Date.parse(event.at));
      case 'attempt:ended': {
        const p = event.payload;
        const index = this.slotOf.get(p.unitId);
        const slot = index === undefined ? undefined : this.slots[index];
        const usage = slot && slot.attempt === p.attempt ? (p.usage ?? slot.usage) : p.usage;
        this.markAttempt(p, usage);
        this.samples.attemptEnded(p, Date.parse(event.at));
        if (!slot || slot.attempt !== p.attempt) return HEADER_ROUNDS_ATTENTION;
        this.slotOf.delete(p.unitId);
        slot.running = false;
        slot.outcome = p.outcome;
        slot.endedAt = Date.parse(event.at);
        slot.endLine = `${OUTCOME_WORDS[p.outcome]}${p.reason ? `: ${p.reason}` : ''}`;
        // Old event logs have no usage: what was seen live stands.
        slot.usage = usage;
        this.endedSpend = addSpend(this.endedSpend, slot.usage);
        return HEADER_WORKERS_ROUNDS_ATTENTION;
      }
      case 'attempt:usage': {
        const p = event.payload;
        const slot = this.runningSlot(p.unitId, p.attempt);
        if (!slot) return NONE;
        slot.usage = p.usage;
        return HEADER_WORKERS;
      }
      case 'merge:queued': {
        const p = event.payload;
        this.merges.set(p.mergeId, {
          mergeId: p.mergeId,
          unitId: p.unitId,
          attempt: p.attempt,
          state: 'queued',
          position: null,
          rejectClass: null,
          commit: null,
          detail: '',
        });
        this.samples.mergeQueued(p.mergeId, Date.parse(event.at));
        this.pruneMerges();
        return MERGES;
      }
      case 'merge:rebasing':
        return this.updateMerge(event.payload.mergeId, event.payload.unitId, { state: 'rebasing' });
      case 'merge:verifying':
        return this.updateMerge(event.payload.mergeId, event.payload.unitId, { state: 'verifying' });
      case 'merge:merged': {
        const p = event.payload;
        this.countInRound('merged');
        this.samples.mergeEnded(p.mergeId, Date.parse(event.at));
        const changed = this.updateMerge(p.mergeId, p.unitId, { state: 'merged', commit: p.commit });
        // The verified candidate is now the working branch: its snapshot is the working branch's health.
        if (this.health.landed(p.commit)) return [...changed, 'health'];
        return changed;
      }
      case 'merge:rejected': {
        const p = event.payload;
        this.countInRound('rejected');
        this.samples.mergeEnded(p.mergeId, Date.parse(event.at));
        return [
          ...this.updateMerge(p.mergeId, p.unitId, {
            state: 'rejected',
            rejectClass: p.class,
            detail: screenText(p.detail, 200),
          }),
          'rounds',
        ];
      }
      case 'merge:flaky': {
        const p = event.payload;
        return this.updateMerge(p.mergeId, p.unitId, { detail: `flaky: ${p.checks.join(', ')}` });
      }
      case 'branch:promoted':
        if (event.payload.role !== 'green') return NONE;
        this.greenCommit = event.payload.to;
        this.greenHeld = null;
        return HEADER;
      case 'branch:held':
        this.greenHeld = screenText(event.payload.reason, 300);
        return HEADER;
      case 'branch:tampered':
        if (event.payload.role !== 'green') return NONE;
        this.greenHeld = screenText(event.payload.message, 300);
        return HEADER;
      case 'health:snapshot':
        return this.applySnapshot(event.payload);
      case 'supervisor:paused':
        if (this.paused === event.payload.paused) return NONE;
        this.paused = event.payload.paused;
        return HEADER;
      case 'unit:added': {
        const p = event.payload;
        if (this.units.has(p.unitId)) return NONE;
        this.units.set(p.unitId, {
          ...newUnit(p.unitId, p.title, 'pending', this.units.size),
          dependsOn: p.dependsOn,
          origin: p.origin,
          discoveredFrom: p.discoveredFrom === null ? null : screenText(p.discoveredFrom, 200),
        });
        return HEADER_WORKERS_ATTENTION;
      }
      case 'unit:overlap': {
        const unit = this.units.get(event.payload.unitId);
        if (unit?.status !== 'pending' || unit.waitsFor === event.payload.waitsFor) return NONE;
        unit.waitsFor = screenText(event.payload.waitsFor, 100);
        return ATTENTION;
      }
      case 'discovery:proposed': {
        const p = event.payload;
        return this.takeProposals([
          {
            id: p.proposalId,
            unitId: p.unitId,
            title: p.title,
            source: p.source,
            discoveredFrom: p.discoveredFrom,
          },
        ]);
      }
      case 'discovery:decided': {
        const id = event.payload.proposalId;
        if (this.proposals.delete(id)) return PROPOSALS;
        // Not listed: one of those counted beyond the bound (or decided before this screen).
        if (this.proposalsNotKept === 0) return NONE;
        this.proposalsNotKept -= 1;
        return PROPOSALS;
      }
      case 'plan:edited':
      case 'plan:edit-rejected':
      case 'discovery:ran':
      case 'repo:tampered':
      case 'budget:reached':
      case 'supervisor:warning':
      case 'supervisor:command':
        return NONE; // messages are the store's
      case 'host:state':
        return this.hosts.take(event.payload) ? HOSTS : NONE;
      default: {
        const unreachable: never = event;
        return unreachable;
      }
    }
  }

  private applyUnitState(p: GafferEvents['unit:state']): readonly Section[] {
    let unit = this.units.get(p.unitId);
    if (!unit) {
      unit = newUnit(p.unitId, p.unitId, p.to, this.units.size);
      this.units.set(p.unitId, unit);
    }
    unit.status = p.to;
    if (p.to === 'done') this.countInRound('done');
    // Sent back by the operator: its failures are behind it (the strikes are cleared too).
    if (p.to === 'pending' && (p.from === 'failed' || p.from === 'blocked' || p.from === 'killed')) {
      unit.lastOutcome = null;
      unit.strikes = 0;
    }
    // An overlap holds a unit back only until it starts (or leaves pending any other way).
    if (p.to !== 'pending') unit.waitsFor = null;
    unit.reason = screenText(p.reason, 200);
    return HEADER_WORKERS_ROUNDS_ATTENTION;
  }

  private applyAttemptStarted(p: GafferEvents['attempt:started'], at: number): readonly Section[] {
    const unit = this.units.get(p.unitId);
    if (unit) {
      unit.attempts = Math.max(unit.attempts, p.attempt);
      unit.logPath = p.logPath;
      if (p.strikes !== undefined) unit.strikes = p.strikes;
    }
    let index = this.slotFor(p.unitId);
    if (index === -1) index = this.slots.push(emptySlot()) - 1;
    const previous = this.slotOf.get(p.unitId);
    if (previous !== undefined && previous !== index) {
      const stale = this.slots[previous];
      if (stale) stale.running = false;
    }
    this.slots[index] = {
      unitId: p.unitId,
      attempt: p.attempt,
      strikes: unit?.strikes ?? 0,
      running: true,
      outcome: null,
      startedAt: at,
      endedAt: null,
      rawLine: '',
      endLine: '',
      lines: 0,
      logPath: p.logPath,
      usage: null,
      host: attemptHost(p.host),
    };
    this.slotOf.set(p.unitId, index);
    return WORKERS_ATTENTION;
  }

  private applySnapshot(p: SnapshotPayload): readonly Section[] {
    const taken = this.health.take(p);
    if (!taken) return NONE;
    if (p.label === 'round' && p.round !== null) {
      const row = this.roundRow(p.round);
      if (row) Object.assign(row, taken);
    }
    return HEALTH_ROUNDS;
  }

  /**
   * Where a starting attempt goes: the slot that last ran its unit, else one
   * never used, else the slot whose last attempt went best and longest ago. A
   * failed attempt's row stays in view while any other slot can be taken.
   */
  private slotFor(unitId: string): number {
    const own = this.slots.findIndex((slot) => slot.unitId === unitId && !slot.running);
    if (own !== -1) return own;
    const unused = this.slots.findIndex((slot) => slot.unitId === null);
    if (unused !== -1) return unused;
    let best = -1;
    let bestRank = Infinity;
    this.slots.forEach((slot, index) => {
      if (slot.running) return;
      const failed = slot.outcome !== null && slot.outcome !== 'handed-off';
      const rank = (failed ? 1e15 : 0) + (slot.endedAt ?? 0);
      if (rank < bestRank) {
        best = index;
        bestRank = rank;
      }
    });
    return best;
  }

  /** An ended attempt: in its unit's marks, and a failure in its round's count. */
  private markAttempt(p: GafferEvents['attempt:ended'], usage: Spend | null): void {
    const unit = this.units.get(p.unitId);
    if (unit) addMark(unit, p, usage);
    if (FAILED_OUTCOMES.has(p.outcome)) this.countInRound('failed');
  }

  /** Counted as it happens in the round under way (the round's end confirms done, merged and rejected). */
  private countInRound(field: 'done' | 'failed' | 'merged' | 'rejected'): void {
    const row = this.rounds.at(-1);
    if (row && row.round === this.round && row.durationMs === null) row[field] += 1;
  }

  /** Units settled of all, and when the mission may end (null: too few samples to say, or ended). */
  progress(): HeaderView['progress'] {
    const { settled, total, remainingMs } = progressOf({
      counts: this.counts(),
      concurrency: this.concurrency ?? Math.max(1, this.slots.length),
      ...this.samples.durations(),
    });
    const etaAt =
      remainingMs === null || this.ended ? null : Math.max(this.samples.at, this.startedAt) + remainingMs;
    return { settled, total, etaAt };
  }

  private runningSlot(unitId: string, attempt: number): SlotState | undefined {
    const index = this.slotOf.get(unitId);
    const slot = index === undefined ? undefined : this.slots[index];
    return slot?.running && slot.attempt === attempt ? slot : undefined;
  }

  private roundRow(round: number): RoundRow | undefined {
    for (let i = this.rounds.length - 1; i >= 0; i -= 1)
      if (this.rounds[i]?.round === round) return this.rounds[i];
    return undefined;
  }

  private updateMerge(mergeId: number, unitId: string, changes: Partial<MergeRow>): readonly Section[] {
    let row = this.merges.get(mergeId);
    if (!row) {
      // A merge resumed from an earlier supervisor: it was queued before this screen existed.
      row = {
        mergeId,
        unitId,
        attempt: 0,
        state: 'queued',
        position: null,
        rejectClass: null,
        commit: null,
        detail: '',
      };
      this.merges.set(mergeId, row);
    }
    Object.assign(row, changes);
    this.pruneMerges();
    return MERGES;
  }

  /** Keeps every merge in flight and the newest ended ones. */
  private pruneMerges(): void {
    let ended = 0;
    for (const row of this.merges.values())
      if (row.state === 'merged' || row.state === 'rejected') ended += 1;
    for (const [id, row] of this.merges) {
      if (ended <= MAX_ENDED_MERGES_KEPT) break;
      if (row.state === 'merged' || row.state === 'rejected') {
        this.merges.delete(id);
        ended -= 1;
      }
    }
  }

  // Builders: fresh immutable rows for a snapshot.

  counts(): UnitCounts {
    return countByStatus(this.units.values());
  }

  /** Units waiting to run again after a failed attempt. */
  retrying(): number {
    let retrying = 0;
    for (const unit of this.units.values()) if (isRetrying(unit)) retrying += 1;
    return retrying;
  }

  /** Units that joined while the run went on. */
  added(): number {
    let added = 0;
    for (const unit of this.units.values()) if (unit.origin !== 'plan') added += 1;
    return added;
  }

  /** Adds waiting proposals not yet known (events, or the controller's list when the view opens). */
  takeProposals(rows: readonly ProposalRow[]): readonly Section[] {
    let changed = false;
    for (const row of rows) {
      if (this.proposals.has(row.id)) continue;
      changed = true;
      if (this.proposals.size >= MAX_PROPOSALS_KEPT) {
        this.proposalsNotKept += 1;
        continue;
      }
      this.proposals.set(row.id, {
        id: row.id,
        unitId: screenText(row.unitId, 100),
        title: screenText(row.title, 200),
        source: row.source,
        discoveredFrom: screenText(row.discoveredFrom, 200),
      });
    }
    return changed ? PROPOSALS : NONE;
  }

  buildProposals(): { rows: ProposalRow[]; waiting: number } {
    const rows = [...this.proposals.values()];
    return { rows, waiting: rows.length + this.proposalsNotKept };
  }

  buildRounds(): RoundRow[] {
    return this.rounds.map((row) => ({ ...row }));
  }

  buildWorkers(): WorkerRow[] {
    return this.slots.map((slot, index) => {
      const unit = slot.unitId === null ? undefined : this.units.get(slot.unitId);
      return {
        slot: index + 1,
        unitId: slot.unitId,
        title: unit?.title ?? '',
        attempt: slot.attempt,
        strikes: slot.strikes,
        state: slot.running ? 'running' : (unit?.status ?? 'idle'),
        outcome: slot.outcome,
        running: slot.running,
        startedAt: slot.startedAt,
        endedAt: slot.endedAt,
        lastLine: screenText(slot.running || slot.endLine === '' ? slot.rawLine : slot.endLine, 300),
        lines: slot.lines,
        logPath: slot.logPath,
        spend: formatSpend(slot.usage),
        host: slot.host,
      };
    });
  }

  buildHosts(): HostRow[] {
    return this.hosts.build();
  }

  /** What the run used so far: ended attempts and what running ones reported. */
  spend(): string {
    let total = this.endedSpend;
    for (const slot of this.slots) if (slot.running) total = addSpend(total, slot.usage);
    return formatSpend(total);
  }

  buildAttention(): UnitRow[] {
    const rows: UnitRow[] = [];
    for (const unit of this.units.values()) if (wantsAttention(unit)) rows.push(unitRow(unit));
    return rows;
  }

  /** Every unit of the run, in plan order (the Units view sorts and filters them). */
  buildUnits(): UnitRow[] {
    return [...this.units.values()].map(unitRow);
  }

  buildMerges(): MergeRow[] {
    let position = 0;
    return [...this.merges.values()].map((row) => {
      const inFlight = row.state !== 'merged' && row.state !== 'rejected';
      return { ...row, position: inFlight ? (position += 1) : null };
    });
  }

  buildHealth(): HealthView {
    return this.health.build();
  }
}

function emptySlot(): SlotState {
  return {
    unitId: null,
    attempt: 0,
    strikes: 0,
    running: false,
    outcome: null,
    startedAt: 0,
    endedAt: null,
    rawLine: '',
    endLine: '',
    lines: 0,
    logPath: null,
    usage: null,
    host: LOCAL_HOST,
  };
}

const NONE: readonly Section[] = [];
/** What a line of output changes (the store's fast path compares by reference). */
export const WORKERS_ONLY: readonly Section[] = ['workers'];
const WORKERS = WORKERS_ONLY;
const HEADER: readonly Section[] = ['header'];
const ROUNDS: readonly Section[] = ['rounds'];
const MERGES: readonly Section[] = ['merges'];
const ATTENTION: readonly Section[] = ['attention'];
const PROPOSALS: readonly Section[] = ['proposals'];
const HOSTS: readonly Section[] = ['hosts'];
const HEADER_ROUNDS: readonly Section[] = ['header', 'rounds'];
const HEADER_WORKERS: readonly Section[] = ['header', 'workers'];
const HEALTH_ROUNDS: readonly Section[] = ['health', 'rounds'];
const WORKERS_ATTENTION: readonly Section[] = ['workers', 'attention'];
const HEADER_WORKERS_ATTENTION: readonly Section[] = ['header', 'workers', 'attention'];
const HEADER_ROUNDS_ATTENTION: readonly Section[] = ['header', 'rounds', 'attention'];
const HEADER_WORKERS_ROUNDS_ATTENTION: readonly Section[] = ['header', 'workers', 'rounds', 'attention'];
