/**
 * The UI's view model: events in, one immutable ViewSnapshot out, read by the
 * components through useSyncExternalStore.
 *
 * - Coalesced: events only mark sections dirty; one timer (~50 ms) publishes
 *   a new snapshot and notifies once, however many events came in between.
 *   A flood of worker output costs one notification per window, never one
 *   React update per line; a flood stretches the window (to 100, then 200 ms).
 * - Stable: getSnapshot returns the same reference until something visible
 *   changed, and unchanged sections keep their references.
 * - Bounded: see MissionState; output keeps only each worker's last line.
 * - The operator's actions (selection, overlays, command messages) publish at
 *   once: a key press is answered on the next frame.
 *
 * Pure TypeScript: no React, no Ink, no git, processes or database.
 */
import type { EventBus } from '../../src/events/bus.js';
import type { GafferEvent, GafferEvents } from '../../src/events/types.js';
import { editRejectionText, ORIGIN_WORDS, planEditText } from '../../src/report/plan-changes.js';
import { MissionState, WORKERS_ONLY, type Section } from './mission-state.js';
import { screenText } from './screen-text.js';
import type {
  KillConfirm,
  Message,
  MissionInfo,
  Overlay,
  Pane,
  ProposalRow,
  ProposalsView,
  Selection,
  UnitRow,
  UnitSort,
  UnitsView,
  ViewSnapshot,
} from './types.js';
import { sortUnits, UNIT_SORTS, unitMatches } from './units-view.js';

export const DEFAULT_COALESCE_MS = 50;
/**
 * Under a flood the windows stretch, leaving the CPU to draining the agents'
 * pipes: a window that saw FLOOD events makes the next one twice as long
 * (~10 frames a second), HEAVY_FLOOD events four times (~5 frames a second).
 */
export const FLOOD_EVENTS_PER_WINDOW = 500;
export const HEAVY_FLOOD_EVENTS_PER_WINDOW = 5000;
export const MAX_MESSAGES = 5;
/** The same message twice within this window is one message (a command's result and its event). */
const DUPLICATE_WINDOW_MS = 2000;

export interface ViewModelOptions {
  coalesceMs?: number;
  now?: () => number;
}

type Dirty = Record<Section | 'units' | 'ui', boolean>;

export class ViewModelStore {
  private state: MissionState;
  private readonly coalesceMs: number;
  private readonly now: () => number;
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private eventsInWindow = 0;
  /** How much longer than coalesceMs the next window is: 1, 2 or 4. */
  private stretch = 1;
  private dirty: Dirty = clean();
  private snapshot: ViewSnapshot;
  private messages: Message[] = [];
  private nextMessageId = 1;
  private pane: Pane = 'workers';
  private index = { workers: 0, units: 0 };
  /** The proposals view's selection: by id, so it follows its proposal when others are decided. */
  private proposalSelected: { id: number | null; index: number } = { id: null, index: 0 };
  private overlay: Overlay = 'none';
  /** The Units view's order, filter and selection (by id, so it stays on its unit as rows move). */
  private unitsSort: UnitSort = 'plan';
  private unitsFilter = '';
  private unitsTyping = false;
  private unitsSelected: { id: string | null; index: number } = { id: null, index: 0 };
  private killConfirm: KillConfirm | null = null;
  /** The unit the Workers selection is on: it follows the unit, not the slot, when slots change hands. */
  private followed: string | null = null;
  private detailUnitId: string | null = null;
  private stopping = false;
  private phase: string | null = null;
  private disposed = false;
  /** Hosts the message line said were down, with the reason it gave: said again only when that changes. */
  private readonly saidDown = new Map<string, string>();

  constructor(info: MissionInfo, options: ViewModelOptions = {}) {
    this.coalesceMs = options.coalesceMs ?? DEFAULT_COALESCE_MS;
    this.now = options.now ?? Date.now;
    this.state = new MissionState(info, this.now());
    const workers = this.state.buildWorkers();
    const attention = this.state.buildAttention();
    this.snapshot = {
      version: 0,
      header: this.buildHeader(),
      rounds: this.state.buildRounds(),
      workers,
      hosts: this.state.buildHosts(),
      attention,
      merges: this.state.buildMerges(),
      health: this.state.buildHealth(),
      proposals: this.buildProposals(),
      units: this.buildUnitsView(),
      killConfirm: null,
      messages: [],
      selection: { pane: 'workers', index: 0, unitId: workers[0]?.unitId ?? null },
      overlay: 'none',
      detailUnitId: null,
    };
    this.followed = workers[0]?.unitId ?? null;
  }

  /** For useSyncExternalStore: stable function identities. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): ViewSnapshot => this.snapshot;

  /** Follows the bus; returns the unsubscribe. */
  attach(bus: EventBus): () => void {
    return bus.onAny((event) => this.apply(event));
  }

  apply(event: GafferEvent): void {
    if (this.disposed) return;
    this.eventsInWindow += 1;
    const sections = this.state.apply(event);
    // The flood's path: one worker's last line changed, a window is already pending.
    if (sections === WORKERS_ONLY && this.timer !== undefined) {
      this.dirty.workers = true;
      return;
    }
    if (event.type === 'supervisor:warning') this.pushMessage(event.payload.message, 'warning');
    else if (event.type === 'budget:reached') this.pushMessage(`BUDGET: ${event.payload.message}`, 'warning');
    else if (event.type === 'branch:tampered' || event.type === 'repo:tampered')
      this.pushMessage(`TAMPERED: ${event.payload.message}`, 'refused');
    else if (event.type === 'branch:held') this.pushMessage(`green held: ${event.payload.reason}`, 'warning');
    else if (event.type === 'supervisor:command')
      this.pushMessage(event.payload.message, event.payload.ok ? 'ok' : 'refused');
    else if (event.type === 'merge:flaky')
      this.pushMessage(
        `${event.payload.unitId}: flaky ${event.payload.checks.join(', ')} (failed, then passed on the same commit)`,
        'warning',
      );
    else if (event.type === 'run:ended')
      this.pushMessage(`run ${event.payload.status}: ${event.payload.reason}`, 'info');
    else if (event.type === 'host:state') this.pushHostMessage(event.payload);
    else this.pushPlanMessage(event);
    if (sections.length === 0 && !this.dirty.messages) return;
    for (const section of sections) this.dirty[section] = true;
    this.schedule();
  }

  /** Publishes now whatever is pending (the UI's last frame before it unmounts). */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.publish();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  // The operator's actions: published at once.

  moveSelection(delta: number): void {
    const size = this.pane === 'workers' ? this.snapshot.workers.length : this.snapshot.attention.length;
    if (size === 0) return;
    const current = this.index[this.pane];
    this.index[this.pane] = (((current + delta) % size) + size) % size;
    this.followed = this.snapshot.workers[this.index.workers]?.unitId ?? null;
    this.act();
  }

  cycleFocus(): void {
    this.pane = this.pane === 'workers' ? 'units' : 'workers';
    this.followed = this.snapshot.workers[this.index.workers]?.unitId ?? null;
    this.act();
  }

  // The Units view (`u`).

  openUnits(): void {
    this.overlay = 'units';
    this.dirty.units = true;
    this.act();
  }

  /** Moves the Units view's selection: by `delta` rows, or to the first (-Infinity) or last (Infinity). */
  moveUnit(delta: number): void {
    const { rows, selected } = this.snapshot.units;
    if (rows.length === 0) return;
    const index = Number.isFinite(delta)
      ? (((selected + delta) % rows.length) + rows.length) % rows.length
      : delta < 0
        ? 0
        : rows.length - 1;
    this.unitsSelected = { id: rows[index]?.id ?? null, index };
    this.dirty.units = true;
    this.act();
  }

  /** The next order (plan → state → attempts → cost → id); says which. */
  cycleSort(): UnitSort {
    this.unitsSort = UNIT_SORTS[(UNIT_SORTS.indexOf(this.unitsSort) + 1) % UNIT_SORTS.length] ?? 'plan';
    this.dirty.units = true;
    this.act();
    return this.unitsSort;
  }

  /** `/`: the keys type into the filter until Enter (keeps it) or Esc (clears it). */
  startFilter(): void {
    this.unitsTyping = true;
    this.dirty.units = true;
    this.act();
  }

  typeFilter(text: string): void {
    this.unitsFilter = (this.unitsFilter + text).slice(0, 80);
    this.dirty.units = true;
    this.act();
  }

  eraseFilter(): void {
    this.unitsFilter = this.unitsFilter.slice(0, -1);
    this.dirty.units = true;
    this.act();
  }

  endFilter(keep: boolean): void {
    this.unitsTyping = false;
    if (!keep) this.unitsFilter = '';
    this.dirty.units = true;
    this.act();
  }

  /** The unit the Units view has selected, if any. */
  selectedUnit(): UnitRow | undefined {
    const { rows, selected } = this.snapshot.units;
    return rows[selected];
  }

  // A kill waits for the operator's y.

  askKill(confirm: KillConfirm): void {
    this.killConfirm = confirm;
    this.setOverlay('confirm-kill');
  }

  /** The kill the dialog asked about, once: the dialog closes (back to the view it came from). */
  takeKill(): KillConfirm | null {
    const confirm = this.killConfirm;
    this.killConfirm = null;
    this.overlay = this.returnTo;
    this.act();
    return confirm;
  }

  /** Where a dialog goes back to: the Units view when it was open, else the panes. */
  private returnTo: Overlay = 'none';

  /** The view a dialog (quit, kill) goes back to when the operator says no. */
  dialogReturn(): Overlay {
    return this.returnTo;
  }

  /** Moves the proposals view's selection, wrapping. */
  moveProposal(delta: number): void {
    const { rows, selected } = this.snapshot.proposals;
    if (rows.length === 0) return;
    const index = (((selected + delta) % rows.length) + rows.length) % rows.length;
    this.proposalSelected = { id: rows[index]?.id ?? null, index };
    this.dirty.proposals = true;
    this.act();
  }

  /** Opens the proposals view, first taking any waiting proposal the controller has and the screen missed. */
  openProposals(known: readonly ProposalRow[]): void {
    if (this.state.takeProposals(known).length > 0) this.dirty.proposals = true;
    this.overlay = 'proposals';
    this.act();
  }

  /** The proposal the view has selected, if any. */
  selectedProposal(): ProposalRow | undefined {
    const { rows, selected } = this.snapshot.proposals;
    return rows[selected];
  }

  /** Opens the detail of a unit (Enter on a worker or unit); the view fetches it from the controller. */
  openDetail(unitId: string): void {
    this.detailUnitId = unitId;
    this.detailReturn = this.overlay === 'units' ? 'units' : 'none';
    this.overlay = 'detail';
    this.act();
  }

  /** Back to where the detail was opened from: the Units view or the panes. */
  closeDetail(): void {
    if (this.overlay !== 'detail') return;
    this.detailUnitId = null;
    this.overlay = this.detailReturn;
    this.dirty.units = true;
    this.act();
  }

  private detailReturn: Overlay = 'none';

  setOverlay(overlay: Overlay): void {
    if (this.overlay === overlay) return;
    // A dialog opened over the Units view goes back to it.
    if (overlay === 'confirm-kill' || overlay === 'confirm-quit')
      this.returnTo = this.overlay === 'units' ? 'units' : 'none';
    this.overlay = overlay;
    this.act();
  }

  /** A command's answer, or the UI's own word (e.g. "select a worker first"). */
  showMessage(text: string, kind: Message['kind']): void {
    this.pushMessage(text, kind);
    this.act();
  }

  /** What the start is doing, shown in the header until the run's controls are live (null). */
  setPhase(phase: string | null): void {
    const clean = phase === null ? null : screenText(phase, 200);
    if (clean === this.phase) return;
    this.phase = clean;
    this.dirty.header = true;
    this.act();
  }

  /**
   * The run exists: its info (a resumed run's units as they are, its
   * proposals and spend) replaces what the starting screen knew from the
   * plan and config. Again for each run the screen stays open for (--stay).
   */
  restart(info: MissionInfo): void {
    this.state = new MissionState(info, this.now());
    this.saidDown.clear();
    for (const section of Object.keys(this.dirty) as (keyof Dirty)[]) this.dirty[section] = true;
    this.act();
  }

  setStopping(): void {
    this.stopping = true;
    this.dirty.header = true;
    this.act();
  }

  private act(): void {
    this.dirty.ui = true;
    this.flush();
  }

  private pushMessage(text: string, kind: Message['kind']): void {
    const clean = screenText(text, 300);
    const at = this.now();
    const last = this.messages.at(-1);
    if (last && last.text === clean && at - last.at < DUPLICATE_WINDOW_MS) {
      if (last.kind !== kind) this.messages[this.messages.length - 1] = { ...last, kind };
      this.dirty.messages = true;
      return;
    }
    this.messages = [
      ...this.messages.slice(-(MAX_MESSAGES - 1)),
      { id: this.nextMessageId++, text: clean, kind, at },
    ];
    this.dirty.messages = true;
  }

  /**
   * A host that went down, and why (once per reason: a host that stays down
   * reports again at every reconnection that fails); and when it is back.
   * Connecting says nothing: the header shows it.
   */
  private pushHostMessage(p: GafferEvents['host:state']): void {
    if (p.state === 'down') {
      const reason = p.reason ?? 'no reason given';
      if (this.saidDown.get(p.host) === reason) return;
      this.saidDown.set(p.host, reason);
      this.pushMessage(`host ${p.host} down: ${reason}`, 'warning');
    } else if (p.state === 'up' && this.saidDown.delete(p.host)) {
      this.pushMessage(`host ${p.host} is up again`, 'ok');
    }
  }

  /** Plan edits, added units and discovery passes: said on the message line, where they stay until the next. */
  private pushPlanMessage(event: GafferEvent): void {
    switch (event.type) {
      case 'plan:edited': {
        const p = event.payload;
        this.pushMessage(`plan edited: ${planEditText(p)}`, p.refused.length > 0 ? 'refused' : 'ok');
        return;
      }
      case 'plan:edit-rejected':
        this.pushMessage(`plan ${editRejectionText(event.payload)}`, 'warning');
        return;
      case 'unit:added': {
        const p = event.payload;
        const from = p.discoveredFrom === null ? '' : ` (from ${p.discoveredFrom})`;
        this.pushMessage(`${p.unitId} added by ${ORIGIN_WORDS[p.origin]}: ${p.title}${from}`, 'info');
        return;
      }
      case 'discovery:ran': {
        const p = event.payload;
        this.pushMessage(
          `discovery (${p.trigger}): ${p.proposed} proposed, ${p.duplicates} duplicate${p.duplicates === 1 ? '' : 's'}${p.note ? `; ${p.note}` : ''}`,
          'info',
        );
        return;
      }
      default:
        return;
    }
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.publish();
    }, this.coalesceMs * this.stretch);
    // A pending frame never keeps the process alive on its own.
    this.timer.unref?.();
  }

  private publish(): void {
    const events = this.eventsInWindow;
    this.stretch = events >= HEAVY_FLOOD_EVENTS_PER_WINDOW ? 4 : events >= FLOOD_EVENTS_PER_WINDOW ? 2 : 1;
    this.eventsInWindow = 0;
    const d = this.dirty;
    if (!Object.values(d).some(Boolean)) return;
    const previous = this.snapshot;
    const workers = d.workers ? this.state.buildWorkers() : previous.workers;
    const attention = d.attention ? this.state.buildAttention() : previous.attention;
    // The view's rows come from the units' rows: they change together (and with the view's own keys).
    const units = d.attention || d.units ? this.buildUnitsView() : previous.units;
    this.snapshot = {
      version: previous.version + 1,
      header: d.header ? this.buildHeader() : previous.header,
      rounds: d.rounds ? this.state.buildRounds() : previous.rounds,
      workers,
      hosts: d.hosts ? this.state.buildHosts() : previous.hosts,
      attention,
      merges: d.merges ? this.state.buildMerges() : previous.merges,
      health: d.health ? this.state.buildHealth() : previous.health,
      proposals: d.proposals ? this.buildProposals() : previous.proposals,
      units,
      killConfirm: this.killConfirm,
      messages: d.messages ? this.messages : previous.messages,
      selection: this.buildSelection(workers, attention, previous.selection),
      overlay: this.overlay,
      detailUnitId: this.overlay === 'detail' ? this.detailUnitId : null,
    };
    this.dirty = clean();
    for (const listener of [...this.listeners]) listener();
  }

  private buildProposals(): ProposalsView {
    const { rows, waiting } = this.state.buildProposals();
    // A decided proposal leaves: the selection moves to the one now in its place.
    const kept = rows.findIndex((row) => row.id === this.proposalSelected.id);
    const index = kept !== -1 ? kept : Math.min(this.proposalSelected.index, Math.max(0, rows.length - 1));
    this.proposalSelected = { id: rows[index]?.id ?? null, index };
    return { rows, waiting, selected: index };
  }

  private buildUnitsView(): UnitsView {
    const all = this.state.buildUnits();
    const needle = this.unitsFilter.toLowerCase();
    const rows = sortUnits(
      needle === '' ? all : all.filter((unit) => unitMatches(unit, needle)),
      this.unitsSort,
    );
    const kept = rows.findIndex((row) => row.id === this.unitsSelected.id);
    const index = kept !== -1 ? kept : Math.min(this.unitsSelected.index, Math.max(0, rows.length - 1));
    this.unitsSelected = { id: rows[index]?.id ?? null, index };
    return {
      rows,
      total: all.length,
      sort: this.unitsSort,
      filter: this.unitsFilter,
      typing: this.unitsTyping,
      selected: index,
    };
  }

  /**
   * The Workers selection stays on its unit: when the unit's slot goes to
   * another unit (a kill, then a new attempt there), the selection moves to
   * the slot that runs it now, or to the Units pane where it waits.
   */
  private followUnit(workers: ViewSnapshot['workers'], attention: ViewSnapshot['attention']): void {
    const followed = this.followed;
    if (this.pane !== 'workers') return;
    if (followed === null) {
      this.followed = workers[this.index.workers]?.unitId ?? null;
      return;
    }
    if (workers[this.index.workers]?.unitId === followed) return;
    const slot = workers.findIndex((worker) => worker.unitId === followed);
    if (slot !== -1) {
      this.index.workers = slot;
      return;
    }
    const waiting = attention.findIndex((unit) => unit.id === followed);
    if (waiting !== -1) {
      this.pane = 'units';
      this.index.units = waiting;
      return;
    }
    // Gone from both (done and its slot reused): the selection stays on the slot.
    this.followed = workers[this.index.workers]?.unitId ?? null;
  }

  private buildSelection(
    workers: ViewSnapshot['workers'],
    attention: ViewSnapshot['attention'],
    previous: Selection,
  ): Selection {
    this.followUnit(workers, attention);
    const rows = this.pane === 'workers' ? workers.length : attention.length;
    const index = rows === 0 ? 0 : Math.min(this.index[this.pane], rows - 1);
    this.index[this.pane] = index;
    const unitId = (this.pane === 'workers' ? workers[index]?.unitId : attention[index]?.id) ?? null;
    if (previous.pane === this.pane && previous.index === index && previous.unitId === unitId)
      return previous;
    return { pane: this.pane, index, unitId };
  }

  private buildHeader(): ViewSnapshot['header'] {
    const s = this.state;
    return {
      planName: s.planName,
      runId: s.runId,
      round: s.round,
      maxRounds: s.maxRounds,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      counts: s.counts(),
      added: s.added(),
      greenCommit: s.greenCommit,
      greenHeld: s.greenHeld,
      paused: s.paused,
      ended: s.ended,
      stopping: this.stopping,
      phase: this.phase,
      maxAttempts: s.maxAttempts ?? null,
      retrying: s.retrying(),
      spend: s.spend(),
      progress: s.progress(),
    };
  }
}

function clean(): Dirty {
  return {
    header: false,
    rounds: false,
    workers: false,
    hosts: false,
    attention: false,
    merges: false,
    health: false,
    messages: false,
    proposals: false,
    units: false,
    ui: false,
  };
}
