import type { Finding as ParsedFinding } from '../health/parsers/types.js';

import type { AttemptOutcome } from '../machines/attempt.js';
import type { MergeStatus } from '../machines/merge.js';
import type { RunStatus } from '../machines/run.js';
import type { UnitStatus } from '../machines/unit.js';
import type { Usage } from '../workers/agents/types.js';

// Each status union lives beside its state machine (src/machines).
export type { AttemptOutcome, MergeStatus, RunStatus, UnitStatus, Usage };
/** How a unit joined its run: the plan file at the start, a live edit of it, discovery, or a fixup. */
export type UnitOrigin = 'plan' | 'edit' | 'discovery' | 'fixup';
/** Where a discovered unit came from. */
export type ProposalSource = 'health' | 'handoff' | 'agent' | 'fixup';
export type ProposalStatus = 'proposed' | 'accepted' | 'rejected' | 'duplicate' | 'over-cap';
export type ProposalDecision = Exclude<ProposalStatus, 'proposed'>;
export type HandoffState = 'valid' | 'missing' | 'malformed';
export type RejectClass = 'conflict' | 'red' | 'regression' | 'unreadable' | 'infrastructure' | 'agent-error';

/**
 * The one typed event map. Every state change the controller makes is one
 * SQLite transaction and one of these events; the store's event log, the
 * headless reporter and (later) the UI's view model all read the same stream.
 * Names are scoped by subject: `<subject>:<what happened>`.
 */

/** What a check's output said, read by the parser its config names (see src/health/parsers). */
export interface ParsedOutput {
  parser: string;
  counts: { passed: number; failed: number; errors: number; warnings: number; skipped: number };
  /** Failing tests or findings by name, sorted. */
  failing: string[];
  /** False when the output did not look like the tool's: such a check is unreadable, never passed. */
  recognized: boolean;
  /** Every test the run had (passed, failed or skipped), when the output lists them all; absent otherwise. */
  tests?: string[];
  subtests?: { passed: number; failed: number };
  /** Lint, type and security findings, each with an identity that survives moved lines. */
  findings?: Finding[];
}

/** A finding as its parser read it, with an identity that survives moved lines. */
export interface Finding extends ParsedFinding {
  /** A hash of rule, message and the source line's text: the same finding wherever its line moves. */
  fingerprint?: string;
}

export interface CheckResult {
  name: string;
  passed: boolean;
  gate: boolean;
  parsed?: ParsedOutput;
  /** Failed, then passed when run again on the same commit. */
  flaky?: boolean;
  /** Its parser did not recognize the output: not verified, so never passed. */
  unreadable?: boolean;
  /** Why it failed although it exited 0 (parsed failures, no tests ran), or why it is unreadable. */
  note?: string;
  exitCode: number | null;
  outcome: 'exited' | 'timed-out' | 'killed' | 'spawn-failed';
  durationMs: number;
  /** The last lines of the check's output, for feedback and the UI. */
  tail: string[];
  logPath: string;
}

export interface GafferEvents {
  'run:started': {
    runId: number;
    planName: string;
    repo: string;
    resumed: boolean;
    units: number;
    maxRounds: number;
  };
  'run:ended': { runId: number; status: RunStatus; reason: string };
  'round:started': { runId: number; round: number };
  'round:ended': {
    runId: number;
    round: number;
    done: number;
    failed: number;
    merged: number;
    rejected: number;
  };
  'unit:state': { runId: number; unitId: string; from: UnitStatus; to: UnitStatus; reason: string };
  'attempt:started': {
    runId: number;
    unitId: string;
    attempt: number;
    round: number;
    branch: string;
    baseCommit: string;
    logPath: string;
    /** warm: it resumes the previous attempt's session of the tool; cold: a fresh one (absent in older logs). */
    startMode?: 'warm' | 'cold';
    /** Why it starts warm or cold, in words. */
    startReason?: string;
    /** The unit's attempts that cost a strike before this one (absent in older logs). */
    strikes?: number;
    /** Where it runs: 'local' or a worker host's name (absent in older logs). */
    host?: string;
  };
  'attempt:ended': {
    runId: number;
    unitId: string;
    attempt: number;
    outcome: AttemptOutcome;
    exitCode: number | null;
    durationMs: number;
    commits: number;
    handoff: HandoffState;
    reason: string;
    /** What the attempt used, as its agent reported it; null when it reported nothing. */
    usage: Usage | null;
  };
  /** A running attempt's usage so far, each time its agent reports more (published, not logged). */
  'attempt:usage': { runId: number; unitId: string; attempt: number; usage: Usage };
  /**
   * A budget limit is reached: no new attempt starts in its scope; with
   * `onLimit: 'stop'` (action 'stop') its running attempts are ended too.
   */
  'budget:reached': {
    runId: number;
    scope: 'unit' | 'run';
    unitId?: string;
    unit: 'usd' | 'tokens';
    limit: number;
    spent: number;
    action: 'finish' | 'stop';
    message: string;
  };
  'worker:output': { runId: number; unitId: string; attempt: number; line: string };
  'merge:queued': { runId: number; mergeId: number; unitId: string; attempt: number; branch: string };
  'merge:rebasing': { runId: number; mergeId: number; unitId: string; onto: string };
  'merge:verifying': { runId: number; mergeId: number; unitId: string; candidate: string };
  'merge:merged': { runId: number; mergeId: number; unitId: string; commit: string };
  'merge:rejected': { runId: number; mergeId: number; unitId: string; class: RejectClass; detail: string };
  /** A check failed and then passed on the same commit: accepted, and said out loud. */
  'merge:flaky': { runId: number; mergeId: number; unitId: string; commit: string; checks: string[] };
  'branch:promoted': {
    runId: number;
    branch: string;
    role: 'working' | 'green';
    from: string | null;
    to: string;
  };
  'health:snapshot': {
    runId: number;
    round: number | null;
    commit: string;
    label: 'baseline' | 'candidate' | 'round';
    passed: boolean;
    checks: {
      name: string;
      passed: boolean;
      exitCode: number | null;
      outcome: CheckResult['outcome'];
      /** What the check's parser counted, when it recognized the output. */
      counts?: ParsedOutput['counts'];
      flaky?: boolean;
    }[];
    /**
     * The failures on this commit by the unit whose merge they were first seen
     * with (see src/health/attribution.ts); absent when none is known.
     */
    brokeWith?: { check: string; unitId: string; round: number | null; items: string[] }[];
  };
  /** A branch gaffer owns was moved, deleted or rewritten by someone else (see BranchGuard). */
  'branch:tampered': {
    runId: number;
    branch: string;
    role: 'working' | 'green';
    kind: 'moved' | 'deleted' | 'reflog';
    expected: string;
    found: string | null;
    savedAs: string | null;
    restored: boolean;
    message: string;
  };
  /** Hooks or code-running configuration of the user's repository changed during the run. */
  'repo:tampered': { runId: number; changes: string[]; message: string };
  /** Working moved but green stayed: why (a gate check fails, a check regressed against green). */
  'branch:held': { runId: number; branch: string; commit: string; reason: string };
  /** A unit joined the running plan: from a live edit of the plan file, from discovery, or a fixup. */
  'unit:added': {
    runId: number;
    unitId: string;
    title: string;
    dependsOn: string[];
    origin: UnitOrigin;
    /** Where a discovered unit came from, for a person; null for a plan edit. */
    discoveredFrom: string | null;
  };
  /** The plan file changed while the run was going and the change was taken (in part: see refused). */
  'plan:edited': {
    runId: number;
    path: string;
    added: string[];
    updated: { id: string; fields: string[] }[];
    removed: string[];
    /** Changes the run did not take (running, merging or finished units), each said. */
    refused: string[];
    objectiveChanged: boolean;
  };
  /** The plan file changed but the change was ignored (unreadable, invalid, a cycle): the running plan stays. */
  'plan:edit-rejected': { runId: number; path: string; error: string };
  /** A unit discovery found, waiting to join the plan (or joining it at once when discovery is automatic). */
  'discovery:proposed': {
    runId: number;
    proposalId: number;
    unitId: string;
    title: string;
    source: ProposalSource;
    discoveredFrom: string;
  };
  /** What became of a proposal: accepted (joined the plan), rejected, a duplicate, or over the round's cap. */
  'discovery:decided': {
    runId: number;
    proposalId: number;
    unitId: string;
    decision: ProposalDecision;
    by: 'auto' | 'operator';
    reason: string;
  };
  /** A discovery pass ran (the `d` key, `gaffer discover`, after a snapshot or a handoff): what it found. */
  'discovery:ran': { runId: number; trigger: string; proposed: number; duplicates: number; note: string };
  /** A ready unit waits because a running unit is expected to touch the same files (not a dependency). */
  'unit:overlap': { runId: number; unitId: string; waitsFor: string; files: string[]; reason: string };
  'supervisor:warning': { runId: number | null; message: string };
  /** A worker host came up, went down (why) or is connecting; `local` never changes. */
  'host:state': { runId: number; host: string; state: 'up' | 'down' | 'connecting'; reason: string | null };
  'supervisor:paused': { runId: number; paused: boolean };
  'supervisor:command': {
    runId: number;
    command: string;
    unitId: string | null;
    ok: boolean;
    message: string;
  };
}

export type EventName = keyof GafferEvents;
export type GafferEvent = { [K in EventName]: { type: K; at: string; payload: GafferEvents[K] } }[EventName];
