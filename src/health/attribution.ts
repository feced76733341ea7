/**
 * Regression attribution: which unit's merge a failure on the working branch
 * was first seen with. The working branch only moves by merges, so walking its
 * snapshots in order (the queue's targets, the candidates that landed, the
 * rounds' snapshots) and noting where each failing test or finding first
 * appears names the merge that brought it. Computed from the store on demand:
 * nothing new is written, and an older run's record answers too.
 *
 * "First seen with" is what it is: in a batch only the top of the stack is
 * verified, so a failure is attributed to the unit whose merge made the
 * snapshot's commit.
 */
import type { CheckResult } from '../events/types.js';
import type { Snapshot } from '../store/health.js';
import type { Store } from '../store/store.js';

/** The item that names a check failing as a whole (it named no test or finding). */
export const WHOLE_CHECK = '';

export interface Attribution {
  check: string;
  /** The failing test or finding by name; WHOLE_CHECK when the check named none. */
  item: string;
  unitId: string;
  /** The round of the attempt whose merge made the commit. */
  round: number | null;
  /** The commit on which it was first seen failing. */
  commit: string;
}

/** One check's attribution on a snapshot, as the health:snapshot event carries it. */
export interface BrokeWith {
  check: string;
  unitId: string;
  round: number | null;
  /** Tests or findings by name (empty: the check as a whole). */
  items: string[];
}

/** What fails in a check: its failing tests or findings by name, or the whole check when it named none. */
export function failingItems(check: CheckResult): string[] {
  if (check.passed) return [];
  const named = check.parsed?.recognized ? check.parsed.failing : [];
  return named.length > 0 ? [...named] : [WHOLE_CHECK];
}

/** Per check, the items failing in `after` that did not fail in `before` (nothing without a before). */
export function newlyFailing(
  before: Snapshot | undefined,
  after: Snapshot,
): { check: string; items: string[] }[] {
  if (!before) return [];
  const found: { check: string; items: string[] }[] = [];
  for (const check of after.checks) {
    const previous = before.checks.find((candidate) => candidate.name === check.name);
    if (!previous) continue;
    const known = new Set(failingItems(previous));
    // A check that failed before without naming why: what it names now is not known to be new.
    if (known.has(WHOLE_CHECK)) continue;
    const items = failingItems(check).filter((item) => !known.has(item));
    if (items.length > 0) found.push({ check: check.name, items });
  }
  return found;
}

/** A working-branch snapshot and the unit whose merge made its commit (null: no merge did). */
export interface WorkingPoint {
  snapshot: Snapshot;
  unitId: string | null;
  round: number | null;
}

/**
 * How far back the walk reads: a failure older than this many snapshots
 * keeps failing unattributed rather than every snapshot re-reading the run.
 */
export const HISTORY_SNAPSHOTS = 200;

/** A snapshot not yet in the record, and (a candidate's) the unit whose merge would make its commit. */
export interface ExtraPoint {
  snapshot: Snapshot;
  maker?: { unitId: string; round: number | null };
}

/** The unit whose merge made each of `commits` (on the run's working branch), with the attempt's round. */
function mergeMakers(
  store: Store,
  runId: number,
  commits: readonly string[],
): Map<string, { unitId: string; round: number | null }> {
  const makers = new Map<string, { unitId: string; round: number | null }>();
  for (const { commit, unitId, round } of store.merges.makersOf(runId, commits))
    makers.set(commit, { unitId, round });
  return makers;
}

/**
 * The run's working-branch snapshots, oldest first: the baselines and the
 * queue's targets (stored as baselines), the rounds', and the candidates
 * whose commit landed (or is about to: `extra`). Rejected candidates never
 * were on the branch.
 */
export function workingHistory(store: Store, runId: number, extra?: ExtraPoint): WorkingPoint[] {
  // The newest snapshots only: each holds every test name, and a day-long run takes hundreds.
  const rows = store.health.recentForRun(runId, HISTORY_SNAPSHOTS);
  // Only the merges that made these snapshots' commits: a 10,000-unit run has 10,000 merged requests.
  const makers = mergeMakers(
    store,
    runId,
    rows.map((row) => row.commit_sha),
  );
  if (extra?.maker) makers.set(extra.snapshot.commit, extra.maker);
  const points: WorkingPoint[] = [];
  const add = (snapshot: Snapshot, label: string): void => {
    const maker = makers.get(snapshot.commit);
    if (label === 'candidate' && maker === undefined) return;
    points.push({ snapshot, unitId: maker?.unitId ?? null, round: maker?.round ?? null });
  };
  for (const row of rows) {
    const snapshot: Snapshot = {
      commit: row.commit_sha,
      checksKey: row.checks_key,
      passed: row.passed === 1,
      checks: JSON.parse(row.checks_json) as CheckResult[],
    };
    add(snapshot, row.label);
  }
  if (extra) add(extra.snapshot, 'round');
  return points;
}

/**
 * Walks the points in order: an item failing on a point that did not fail
 * on the previous point with the same checks is attributed to the unit whose
 * merge made the point's commit; an item a later point shows passing is
 * forgotten. Returns what still fails at the end, keyed `check\0item`.
 */
export function attribute(points: readonly WorkingPoint[]): Map<string, Attribution> {
  const open = new Map<string, Attribution>();
  const lastByKey = new Map<string, Snapshot>();
  for (const point of points) {
    const { snapshot, unitId } = point;
    forgetFixed(open, snapshot);
    const previous = lastByKey.get(snapshot.checksKey);
    if (previous && previous.commit !== snapshot.commit && unitId !== null) {
      for (const { check, items } of newlyFailing(previous, snapshot)) {
        for (const item of items) {
          const key = attributionKey(check, item);
          if (!open.has(key))
            open.set(key, { check, item, unitId, round: point.round, commit: snapshot.commit });
        }
      }
    }
    lastByKey.set(snapshot.checksKey, snapshot);
  }
  return open;
}

/** The attributions of what fails on the run's working branch now (with `extra`, a snapshot about to join it). */
export function runAttributions(store: Store, runId: number, extra?: ExtraPoint): Attribution[] {
  return [...attribute(workingHistory(store, runId, extra)).values()];
}

/** Per check, what of `snapshot`'s failures was first seen with which unit: the event's field. */
export function brokeWith(snapshot: Snapshot, attributions: readonly Attribution[]): BrokeWith[] {
  const byCheck = new Map<string, BrokeWith>();
  for (const check of snapshot.checks) {
    const failing = new Set(failingItems(check));
    for (const found of attributions) {
      if (found.check !== check.name || !failing.has(found.item)) continue;
      const key = `${found.check}\0${found.unitId}`;
      const entry = byCheck.get(key) ?? {
        check: found.check,
        unitId: found.unitId,
        round: found.round,
        items: [],
      };
      if (found.item !== WHOLE_CHECK) entry.items.push(found.item);
      byCheck.set(key, entry);
    }
  }
  return [...byCheck.values()];
}

/** "test x" / "check lint": an item in words. */
export function describeItem(check: string, item: string): string {
  return item === WHOLE_CHECK ? `check ${check}` : `${check}: ${item}`;
}

const WORDS_LISTED = 20;

/**
 * What a rejection says about each failure of the candidate: what this change
 * broke, and what already failed on the target since a unit's merge (named).
 * A failure the target had with no such unit is left out: the next prompt
 * carries the new failures, not the base's old ones. Words only: the verdict
 * itself is the gate's.
 */
export function attributionWords(
  target: Snapshot | undefined,
  candidate: Snapshot,
  attributions: readonly Attribution[],
): string[] {
  const fresh = new Set(
    newlyFailing(target, candidate).flatMap(({ check, items }) =>
      items.map((item) => attributionKey(check, item)),
    ),
  );
  const known = new Map(attributions.map((found) => [attributionKey(found.check, found.item), found]));
  const words: string[] = [];
  for (const check of candidate.checks) {
    for (const item of failingItems(check)) {
      const key = attributionKey(check.name, item);
      const what = describeItem(check.name, item);
      if (fresh.has(key)) words.push(`this change breaks ${what}`);
      else if (known.has(key)) {
        const found = known.get(key) as Attribution;
        const round = found.round === null ? '' : ` (round ${found.round})`;
        words.push(
          `${what} fails; it has failed since unit ${found.unitId}'s merge${round}, not this change`,
        );
      }
    }
  }
  if (words.length <= WORDS_LISTED) return words;
  return [...words.slice(0, WORDS_LISTED), `… and ${words.length - WORDS_LISTED} more`];
}

export function attributionKey(check: string, item: string): string {
  return `${check}\0${item}`;
}

/** Items a snapshot shows passing again (a check it does not run says nothing). */
function forgetFixed(open: Map<string, Attribution>, snapshot: Snapshot): void {
  for (const [key, found] of open) {
    const check = snapshot.checks.find((candidate) => candidate.name === found.check);
    if (check && !failingItems(check).includes(found.item)) open.delete(key);
  }
}
