/**
 * What the screen shows, as plain data. The store (store.ts) reduces the
 * controller's events into one immutable ViewSnapshot; components read it
 * through useSyncExternalStore and never see events themselves.
 *
 * Every collection here is bounded (slots, plan units, the last rounds,
 * merges and messages): output never grows it, since a worker keeps only its
 * last line. The Output pane reads the controller's ring buffer at render time.
 */
import type {
  GafferEvent,
  GafferEvents,
  Usage as Spend,
  AttemptOutcome,
  MergeStatus,
  ProposalSource,
  RejectClass,
  RunStatus,
  UnitOrigin,
  UnitStatus,
} from '../../src/events/types.js';

/** What the CLI hands the UI about the run before its first event (supervise's attach). */
export interface MissionInfo {
  runId: number;
  planName: string;
  maxRounds: number;
  units: readonly {
    id: string;
    title: string;
    dependsOn: readonly string[];
    status?: UnitStatus;
    /** How it joined the run (default: the plan file); a resumed run's added units keep their mark. */
    origin?: UnitOrigin;
    discoveredFrom?: string | null;
  }[];
  /** Proposals already waiting for the operator (a resumed run). */
  proposals?: readonly ProposalRow[];
  logDir: string;
  /** Slots to show from the start; without it the Workers pane grows as attempts start. */
  concurrency?: number;
  /** Shown as "attempt k/max"; without it "#k". */
  maxAttempts?: number;
  /** What the run's attempts used before this screen (a resumed run). */
  spent?: Spend;
  /**
   * A resumed run's recorded events, oldest first: the screen starts from its
   * earlier rounds, merges, health and green branch, not from nothing.
   */
  history?: readonly GafferEvent[];
}

export type Pane = 'workers' | 'units';
export type Overlay = 'none' | 'help' | 'confirm-quit' | 'confirm-kill' | 'proposals' | 'units' | 'detail';

/** How the Units view orders its rows: `s` cycles through them. */
export type UnitSort = 'plan' | 'state' | 'attempts' | 'cost' | 'id';

/** Every unit of the run, sorted and filtered as the operator asked (the `u` view). */
export interface UnitsView {
  rows: readonly UnitRow[];
  /** Units in the run, before the filter. */
  total: number;
  sort: UnitSort;
  /** Matched against id, title, state and reason, case-insensitively; '' shows all. */
  filter: string;
  /** `/` was pressed: keys type into the filter until Enter or Esc. */
  typing: boolean;
  selected: number;
}

/** A kill waiting for the operator's y. */
export interface KillConfirm {
  unitId: string;
  attempt: number;
}

export interface UnitCounts {
  pending: number;
  running: number;
  merging: number;
  done: number;
  failed: number;
  blocked: number;
  killed: number;
  /** Dropped by a live edit of the plan file: settled, never pending. */
  removed: number;
}

export interface HeaderView {
  planName: string;
  runId: number;
  round: number;
  maxRounds: number;
  /** Epoch ms of run:started (or of the UI's start before it). */
  startedAt: number;
  /** Epoch ms of run:ended; elapsed time stops there. */
  endedAt: number | null;
  counts: UnitCounts;
  /** Units that joined while the run went on (plan edits, discovery, fixups). */
  added: number;
  greenCommit: string | null;
  /** Why green is not where working is, in words; null when it follows working. */
  greenHeld: string | null;
  paused: boolean;
  /** The run's end, once it came: "completed", "interrupted: …". */
  ended: { status: RunStatus; reason: string } | null;
  /** The operator asked to quit and the mission is winding down. */
  stopping: boolean;
  /** What the start is doing ("checking the repository"); null once the run's controls are live. */
  phase: string | null;
  maxAttempts: number | null;
  /** Units waiting to run again after a failed attempt (attempts left): pending, but not new. */
  retrying: number;
  /** What the run has used so far, running attempts included: `$0.42 12.3k tok`; '' when nothing was reported. */
  spend: string;
  /** Units done or removed of all units, and when the mission may end (epoch ms; null: too early to say). */
  progress: { settled: number; total: number; etaAt: number | null };
}

export interface RoundRow {
  round: number;
  /** Counted live as the round goes (the round's end confirms them). */
  done: number;
  /** Attempts that failed in the round, those with attempts left included (they run again). */
  failed: number;
  merged: number;
  rejected: number;
  /** Checks passing after the round / checks in the snapshot; null without a snapshot. */
  checksPassed: number | null;
  checksTotal: number | null;
  /** Passing checks compared with the previous snapshot of the working branch. */
  healthDelta: number | null;
  startedAt: number;
  durationMs: number | null;
}

export interface WorkerRow {
  slot: number;
  /** The unit in the slot now, or the last one it ran (null: never used). */
  unitId: string | null;
  title: string;
  attempt: number;
  /** Attempts of the unit that cost a strike before this one (an operator's retry clears them). */
  strikes: number;
  /** running while its attempt runs; afterwards the unit's status (merging, done, killed, …). */
  state: UnitStatus | 'idle';
  /** How the last attempt in the slot ended, once it ended. */
  outcome: AttemptOutcome | null;
  running: boolean;
  startedAt: number;
  endedAt: number | null;
  /** The newest output line while it runs; once it ended, how it ended (control characters removed). */
  lastLine: string;
  /** Output lines seen from this attempt. */
  lines: number;
  logPath: string | null;
  /** What this attempt used so far (its end: in total), `$0.42 12.3k tok`; '' when its agent reported nothing. */
  spend: string;
  /** Where its attempt runs: 'local' (this machine, and every attempt of an older log) or a worker host's name. */
  host: string;
}

/** A worker host as its latest host:state left it. */
export interface HostRow {
  name: string;
  state: GafferEvents['host:state']['state'];
  /** Why it went down, as it said; null while up or connecting. */
  reason: string | null;
}

/** One ended attempt of a unit, as the Units view lists it. */
export interface AttemptMark {
  attempt: number;
  outcome: AttemptOutcome;
  /** `$0.42 12.3k tok`; '' when its agent reported nothing. */
  spend: string;
}

export interface UnitRow {
  id: string;
  title: string;
  status: UnitStatus;
  attempts: number;
  /** Attempts that cost a strike (an operator's retry clears them). */
  strikes: number;
  /** Its plan order: the Units view's default sort. */
  order: number;
  dependsOn: readonly string[];
  /** The newest ended attempts, oldest first (bounded: MAX_ATTEMPT_MARKS). */
  marks: readonly AttemptMark[];
  /** What its attempts used, `$0.42 12.3k tok`; '' when nothing was reported. */
  spend: string;
  /** Its cost in US dollars so far (for sorting); 0 when none was reported. */
  costUsd: number;
  logPath: string | null;
  /** Why it stopped (the last transition's reason). */
  reason: string;
  /** How it joined the run: the plan file, a live edit, discovery, a fixup. */
  origin: UnitOrigin;
  discoveredFrom: string | null;
  /** A running unit it waits for because both are expected to touch the same files; null once it starts. */
  waitsFor: string | null;
}

/** A discovered unit waiting for the operator; its prompt is read from the controller when shown. */
export interface ProposalRow {
  id: number;
  unitId: string;
  title: string;
  source: ProposalSource;
  discoveredFrom: string;
}

export interface ProposalsView {
  /** The waiting proposals kept, oldest first (bounded; `waiting` counts them all). */
  rows: readonly ProposalRow[];
  waiting: number;
  /** The row the proposals view has selected. */
  selected: number;
}

export interface MergeRow {
  mergeId: number;
  unitId: string;
  attempt: number;
  state: MergeStatus;
  /** 1-based place among merges still in flight; null once ended. */
  position: number | null;
  rejectClass: RejectClass | null;
  commit: string | null;
  detail: string;
}

export type CheckState = 'passed' | 'failed' | 'error';
export type CheckChange = 'new' | 'same' | 'fixed' | 'broke' | 'gone';

/** What a check's parser counted in its output (tests, findings). */
export interface CheckCounts {
  passed: number;
  failed: number;
  errors: number;
}

export interface HealthRow {
  name: string;
  state: CheckState;
  exitCode: number | null;
  /** Against the previous snapshot of the working branch. */
  change: CheckChange;
  previous: CheckState | null;
  /** Null when the check's output was not recognized by a parser. */
  counts: CheckCounts | null;
  /** The counts minus the previous snapshot's; null without both. */
  countsDelta: CheckCounts | null;
  /** It failed and then passed on the same commit. */
  flaky: boolean;
  /** The units whose merge its failures were first seen with (regression attribution); empty when none. */
  brokeWith: readonly string[];
}

export interface HealthView {
  commit: string | null;
  label: string;
  checks: readonly HealthRow[];
  passed: number;
  failed: number;
  errors: number;
}

export interface Message {
  id: number;
  text: string;
  kind: 'ok' | 'refused' | 'warning' | 'info';
  at: number;
}

export interface Selection {
  pane: Pane;
  /** Index into workers (pane workers) or into attention (pane units). */
  index: number;
  /** The unit the commands act on, if the selected row has one. */
  unitId: string | null;
}

export interface ViewSnapshot {
  /** Bumped on every published change; equal versions mean equal snapshots. */
  version: number;
  header: HeaderView;
  rounds: readonly RoundRow[];
  workers: readonly WorkerRow[];
  /** Worker hosts that reported a state, first reported first; none on a single-machine run. */
  hosts: readonly HostRow[];
  /**
   * Units that want the operator's eye: failed, blocked and killed (the ones `r`
   * can send back), removed ones, and pending ones that joined during the run
   * or wait on an overlap.
   */
  attention: readonly UnitRow[];
  proposals: ProposalsView;
  units: UnitsView;
  /** Set while the confirm-kill overlay asks. */
  killConfirm: KillConfirm | null;
  merges: readonly MergeRow[];
  health: HealthView;
  messages: readonly Message[];
  selection: Selection;
  overlay: Overlay;
  /** The unit the detail overlay shows (Enter); null when it is closed. */
  detailUnitId: string | null;
}
