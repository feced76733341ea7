import { tryGit } from '../git/git.js';
import { conflictedPaths } from '../merge/conflict-detail.js';
import {
  filePatternProblem,
  filePatternsOverlap,
  isPlainPath,
  normalizeFilePattern,
} from '../plan/file-patterns.js';
import type { MergeRow } from '../store/merges.js';
import { groupBy } from '../util/group-by.js';
import { HandoffSchema } from '../workers/handoff.js';
import type { Recorder } from './recorder.js';

/**
 * Overlap edges: a ready unit expected to touch files that a running (or
 * merging) unit is expected to touch waits until that one is out of the way.
 * The edge is recorded and shown, never added to depends_on: it orders two
 * units for one round, it does not make one need the other.
 *
 * What a unit is expected to touch: its plan `files` hints, the files its
 * dependencies' merges changed in this run, and the files an earlier attempt
 * of its own conflicted on when the merge queue rebased it.
 */

/** Where an expected path comes from, for the edge's reason. */
export type ExpectedFrom =
  { kind: 'hint' } | { kind: 'dependency'; dependency: string } | { kind: 'conflict'; attempt: number };

export interface ExpectedPath {
  pattern: string;
  from: ExpectedFrom;
}

/** What one unit is expected to touch. */
export interface Footprint {
  unitId: string;
  paths: readonly ExpectedPath[];
}

/** A ready unit held back: it waits for `waitsFor`, because of `files`. */
export interface OverlapWait {
  unitId: string;
  waitsFor: string;
  files: string[];
  reason: string;
}

/** The first unit of `occupied` that `unit` overlaps, as an edge; undefined when it may run beside them all. */
export function findOverlap(unit: Footprint, occupied: readonly Footprint[]): OverlapWait | undefined {
  for (const other of occupied) {
    if (other.unitId === unit.unitId) continue;
    const pairs = unit.paths.flatMap((mine) =>
      other.paths
        .filter((theirs) => filePatternsOverlap(mine.pattern, theirs.pattern))
        .map((theirs) => [mine, theirs] as const),
    );
    const first = pairs[0];
    if (!first) continue;
    const files = [...new Set(pairs.flatMap(([mine, theirs]) => sharedNames(mine.pattern, theirs.pattern)))];
    return {
      unitId: unit.unitId,
      waitsFor: other.unitId,
      files,
      reason: describeOverlap(other.unitId, ...first),
    };
  }
  return undefined;
}

/**
 * For the ready units in plan order and the running ones: which may start now
 * and which wait for whom. A unit started here occupies its files for the
 * units after it, so two overlapping ready units start one after the other.
 */
export function decideStarts(
  ready: readonly Footprint[],
  running: readonly Footprint[],
): { start: string[]; waits: OverlapWait[] } {
  const occupied = [...running];
  const start: string[] = [];
  const waits: OverlapWait[] = [];
  for (const unit of ready) {
    const wait = findOverlap(unit, occupied);
    if (wait) waits.push(wait);
    else {
      start.push(unit.unitId);
      occupied.push(unit);
    }
  }
  return { start, waits };
}

/** The names an edge shows for two overlapping patterns: the concrete file when there is one. */
function sharedNames(mine: string, theirs: string): string[] {
  if (mine === theirs) return [mine];
  const plain = [mine, theirs].filter(isPlainPath);
  if (plain.length === 2) return [mine.length >= theirs.length ? mine : theirs];
  if (plain.length === 1) return plain;
  return [mine, theirs];
}

function describeOverlap(otherId: string, mine: ExpectedPath, theirs: ExpectedPath): string {
  if (mine.from.kind === 'hint' && theirs.from.kind === 'hint' && mine.pattern === theirs.pattern)
    return `both plan hints name ${mine.pattern}`;
  return `${describePath('its', 'it', mine)}; ${describePath(`${otherId}'s`, otherId, theirs)}`;
}

function describePath(owner: string, subject: string, { pattern, from }: ExpectedPath): string {
  switch (from.kind) {
    case 'hint':
      return `${owner} plan hint names ${pattern}`;
    case 'dependency':
      return `${owner} dependency ${from.dependency} changed ${pattern}`;
    case 'conflict':
      return `${subject} conflicted on ${pattern} in attempt ${from.attempt}`;
    default: {
      const unreachable: never = from;
      return unreachable;
    }
  }
}

export interface OverlapGuardOptions {
  recorder: Recorder;
  runId: number;
  repo: string;
  /** The unit's plan hints, read from the live plan each time (units may change while the run goes on). */
  hintsOf: (unitId: string) => readonly string[] | undefined;
  dependenciesOf: (unitId: string) => readonly string[];
  /**
   * Whether some unit depends on `unitId`: only such a unit's merge is ever
   * part of a footprint, so only its changed files are read (a git process
   * each). Absent: every merge's are.
   */
  hasDependents?: (unitId: string) => boolean;
  /** Changes whenever what hasDependents says may have changed (a plan edit); absent: never. */
  dependencyEpoch?: () => number;
}

/**
 * The scheduler's side of overlap edges: footprints from the plan and the
 * store, an admission per pass of the launch loop, and each edge recorded
 * once per pair and round (a row in `overlaps` and a `unit:overlap` event).
 */
export class OverlapGuard {
  /** Files each merged request changed, by merge id: a merge never changes once merged. */
  private readonly changedByMerge = new Map<number, string[]>();
  private readonly recorded = new Set<string>();
  /**
   * The merged count and dependency epoch when `stale` last found nothing to
   * read: until one of them moves, nothing new can be stale, and the launch
   * loop's every pass asks (reading every merge of a 1,000-unit run each time
   * cost milliseconds a pass).
   */
  private lastFresh: string | undefined;

  constructor(private readonly options: OverlapGuardOptions) {}

  /** True when a merge landed whose changed files are not read yet (refresh reads them). */
  get stale(): boolean {
    const { recorder, runId, dependencyEpoch } = this.options;
    const key = `${recorder.store.merges.mergedCount(runId)}:${dependencyEpoch?.() ?? 0}`;
    if (key === this.lastFresh) return false;
    const stale = this.mergedRequests().some((merge) => !this.changedByMerge.has(merge.id));
    if (!stale) this.lastFresh = key;
    return stale;
  }

  /** Reads the changed files of merges that landed since the last refresh. */
  async refresh(): Promise<void> {
    for (const merge of this.mergedRequests()) {
      if (!this.changedByMerge.has(merge.id))
        this.changedByMerge.set(merge.id, await this.changedFiles(merge));
    }
  }

  /**
   * What the merge brought, as git sees it (its commit against the one it was
   * rebased onto); the handoff's files_changed only when git cannot say.
   */
  private async changedFiles(merge: MergeRow): Promise<string[]> {
    if (merge.target_before && merge.merged_commit) {
      const diff = await tryGit(this.options.repo, [
        'diff',
        '--name-only',
        '--no-renames',
        '-z',
        merge.target_before,
        merge.merged_commit,
      ]).catch(() => undefined);
      if (diff?.exitCode === 0) return diff.stdout.split('\0').filter((file) => file !== '');
    }
    const handoff = this.options.recorder.store.attempts.get(merge.attempt_id)?.handoff_json ?? null;
    return declaredFiles(handoff);
  }

  /** What the unit is expected to touch now. */
  footprint(unitId: string): Footprint {
    return this.footprintFrom(unitId, this.mergesOf([unitId]));
  }

  /**
   * The merge requests footprints of these units read (their own and their
   * dependencies'), by unit, oldest first: one query for them all, never the
   * run's every request (a 1,000-unit mission read them all per pass of the
   * launch loop, then once per footprint, and grew quadratic).
   */
  private mergesOf(unitIds: readonly string[]): ReadonlyMap<string, readonly MergeRow[]> {
    const involved = new Set(unitIds);
    for (const unitId of unitIds)
      for (const dependency of this.options.dependenciesOf(unitId)) involved.add(dependency);
    const { recorder, runId } = this.options;
    return groupBy(recorder.store.merges.forUnits(runId, [...involved]), (merge) => merge.unit_id);
  }

  private footprintFrom(unitId: string, merges: ReadonlyMap<string, readonly MergeRow[]>): Footprint {
    const { recorder } = this.options;
    const paths: ExpectedPath[] = (this.options.hintsOf(unitId) ?? []).map((hint) => ({
      pattern: normalizeFilePattern(hint),
      from: { kind: 'hint' },
    }));
    for (const dependency of this.options.dependenciesOf(unitId)) {
      const merged = (merges.get(dependency) ?? []).filter((merge) => merge.status === 'merged').at(-1);
      for (const file of merged ? (this.changedByMerge.get(merged.id) ?? []) : [])
        paths.push({ pattern: file, from: { kind: 'dependency', dependency } });
    }
    for (const merge of merges.get(unitId) ?? []) {
      if (merge.reject_class !== 'conflict') continue;
      const attempt = recorder.store.attempts.get(merge.attempt_id)?.number ?? 0;
      for (const file of conflictedPaths(merge.detail))
        paths.push({ pattern: file, from: { kind: 'conflict', attempt } });
    }
    return { unitId, paths };
  }

  /**
   * One pass of the launch loop: `occupied` are the units running or merging
   * now. Their footprints are read only when a candidate is expected to touch
   * something: a unit expected to touch nothing overlaps nothing, and reading
   * every occupied unit's merges on every pass grew with the merge queue's
   * backlog (hundreds of merging units in a 1,000-unit mission, the largest
   * share of the event loop's time there).
   */
  admission(round: number, occupied: readonly string[]): { admit: (unitId: string) => boolean } {
    let taken: Footprint[] | undefined;
    return {
      admit: (unitId) => {
        const unit = this.footprintFrom(unitId, this.mergesOf([unitId]));
        if (unit.paths.length === 0) return true;
        if (taken === undefined) {
          const merges = this.mergesOf(occupied);
          taken = occupied.map((occupiedId) => this.footprintFrom(occupiedId, merges));
        }
        const wait = findOverlap(unit, taken);
        if (wait) {
          this.record(round, wait);
          return false;
        }
        taken.push(unit);
        return true;
      },
    };
  }

  private record(round: number, wait: OverlapWait): void {
    const key = JSON.stringify([round, wait.unitId, wait.waitsFor]);
    if (this.recorded.has(key)) return;
    this.recorded.add(key);
    const { recorder, runId } = this.options;
    recorder.record([['unit:overlap', { runId, ...wait }]], () =>
      recorder.store.overlaps.insert(runId, {
        unitId: wait.unitId,
        otherId: wait.waitsFor,
        files: wait.files,
        reason: wait.reason,
      }),
    );
  }

  /** The merged requests whose changed files some footprint may need. */
  private mergedRequests(): MergeRow[] {
    const { hasDependents } = this.options;
    return this.options.recorder.store.merges
      .forRun(this.options.runId)
      .filter((merge) => merge.status === 'merged' && (hasDependents?.(merge.unit_id) ?? true));
  }
}

/** The files an agent's handoff says it changed: only paths inside the repository, as an agent wrote them. */
function declaredFiles(json: string | null): string[] {
  if (json === null) return [];
  try {
    const parsed = HandoffSchema.safeParse(JSON.parse(json));
    if (!parsed.success) return [];
    return parsed.data.files_changed.filter(
      (file) => filePatternProblem(file) === undefined && normalizeFilePattern(file) !== '',
    );
  } catch {
    return [];
  }
}
