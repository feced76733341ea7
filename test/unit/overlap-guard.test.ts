import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OverlapGuard } from '../../src/controller/overlaps.js';
import { Recorder } from '../../src/controller/recorder.js';
import { createRun } from '../../src/controller/run-setup.js';
import { EventBus } from '../../src/events/bus.js';
import type { GafferEvent } from '../../src/events/types.js';
import { conflictDetail, conflictedPaths } from '../../src/merge/conflict-detail.js';
import { parsePlan } from '../../src/plan/load.js';
import { Store } from '../../src/store/store.js';

/** The guard on a real SQLite file: footprints from the store, edges recorded once per pair and round. */
let dir: string;
let store: Store;
let recorder: Recorder;
let runId: number;
let published: GafferEvent[];
let guard: OverlapGuard;

const plan = parsePlan(
  {
    name: 'overlaps',
    units: [
      { id: 'hinted', title: 'H', prompt: 'do h', files: ['lib/'] },
      { id: 'retried', title: 'R', prompt: 'do r' },
      { id: 'dep', title: 'D', prompt: 'do d' },
      { id: 'after', title: 'A', prompt: 'do a', depends_on: ['dep'] },
    ],
  },
  'overlap-guard-test',
);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaffer-overlaps-'));
  store = Store.open(join(dir, 'state.db'));
  const bus = new EventBus(() => undefined);
  published = [];
  bus.onAny((event) => published.push(event));
  recorder = new Recorder(store, bus);
  runId = createRun(store, { plan, repo: dir, configJson: '{}', maxRounds: 3 });
  const units = new Map(plan.units.map((unit) => [unit.id, unit]));
  guard = new OverlapGuard({
    recorder,
    runId,
    // These merges have no commits git could compare: what they changed comes from the handoff.
    repo: dir,
    hintsOf: (unitId) => units.get(unitId)?.files,
    dependenciesOf: (unitId) => units.get(unitId)?.depends_on ?? [],
  });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An ended attempt of `unitId` and its merge, moved to `ending`. */
function attemptWithMerge(
  unitId: string,
  number: number,
  ending: { rejected: string } | { merged: string[] },
): void {
  const attemptId = store.attempts.start({
    runId,
    unitId,
    number,
    round: 1,
    branch: `gaffer/run-${runId}/${unitId}/attempt-${number}`,
    worktree: dir,
    baseCommit: 'a'.repeat(40),
    logPath: join(dir, 'log'),
  });
  const handoff = 'merged' in ending ? { status: 'done', summary: 's', files_changed: ending.merged } : null;
  store.attempts.end(attemptId, {
    outcome: 'handed-off',
    exitCode: 0,
    signal: null,
    handoff: handoff ? 'valid' : 'missing',
    handoffJson: handoff ? JSON.stringify(handoff) : null,
    commits: 1,
    reason: 'done',
  });
  const mergeId = store.merges.enqueue({ runId, unitId, attemptId, branch: `b-${unitId}-${number}` });
  store.merges.move(mergeId, 'queued', 'rebasing');
  if ('rejected' in ending)
    store.merges.move(mergeId, 'rebasing', 'rejected', { reject_class: 'conflict', detail: ending.rejected });
  else store.merges.move(mergeId, 'rebasing', 'merged', { merged_commit: 'b'.repeat(40) });
}

describe('conflict details', () => {
  it('name the conflicting paths, and read back the same', () => {
    const detail = conflictDetail('gaffer/working', ['lib/a.ts', 'docs/b c.md']);
    expect(detail).toBe('rebase onto gaffer/working conflicted in: lib/a.ts, docs/b c.md');
    expect(conflictedPaths(`${detail}\nmore output`)).toEqual(['lib/a.ts', 'docs/b c.md']);
    expect(conflictedPaths('checks failed: tests')).toEqual([]);
  });
});

describe('OverlapGuard', () => {
  it('holds a unit whose earlier attempt conflicted on a file another unit names', () => {
    attemptWithMerge('retried', 2, { rejected: conflictDetail('gaffer/working', ['lib/parse.ts']) });
    expect(guard.footprint('retried').paths).toEqual([
      { pattern: 'lib/parse.ts', from: { kind: 'conflict', attempt: 2 } },
    ]);

    expect(guard.admission(1, ['hinted']).admit('retried')).toBe(false);
    const edge = {
      unitId: 'retried',
      waitsFor: 'hinted',
      files: ['lib/parse.ts'],
      reason: "it conflicted on lib/parse.ts in attempt 2; hinted's plan hint names lib/",
    };
    expect(published.map((event) => event.payload)).toEqual([{ runId, ...edge }]);
    expect(store.overlaps.all(runId).map((row) => [row.unit_id, row.other_id, row.reason])).toEqual([
      ['retried', 'hinted', edge.reason],
    ]);

    // Once per pair and round: the next pass of the same round records nothing new; the next round does.
    expect(guard.admission(1, ['hinted']).admit('retried')).toBe(false);
    expect(store.overlaps.all(runId)).toHaveLength(1);
    expect(guard.admission(2, ['hinted']).admit('retried')).toBe(false);
    expect(store.overlaps.all(runId)).toHaveLength(2);
  });

  it("reads a merged dependency's changed files (the handoff's when git cannot say), and only paths in the repository", async () => {
    attemptWithMerge('dep', 1, { merged: ['lib/util.ts', '/etc/passwd', '../outside.ts'] });
    expect(guard.stale).toBe(true);
    await guard.refresh();
    expect(guard.stale).toBe(false);
    expect(guard.footprint('after').paths).toEqual([
      { pattern: 'lib/util.ts', from: { kind: 'dependency', dependency: 'dep' } },
    ]);
    const admission = guard.admission(1, []);
    // Two ready units that overlap: the first in plan order starts, the other waits for it.
    expect(admission.admit('hinted')).toBe(true);
    expect(admission.admit('after')).toBe(false);
    expect(admission.admit('retried')).toBe(true);
    expect(store.overlaps.all(runId).map((row) => [row.unit_id, row.other_id, row.files_json])).toEqual([
      ['after', 'hinted', '["lib/util.ts"]'],
    ]);
  });

  it('reads a merged unit that gains a dependent after it landed (a plan edit), and a second merge when it lands', async () => {
    let dependents = new Set<string>();
    let epoch = 0;
    const units = new Map(plan.units.map((unit) => [unit.id, unit]));
    const edited = new OverlapGuard({
      recorder,
      runId,
      repo: dir,
      hintsOf: (unitId) => units.get(unitId)?.files,
      dependenciesOf: (unitId) => (unitId === 'after' && dependents.has('dep') ? ['dep'] : []),
      hasDependents: (unitId) => dependents.has(unitId),
      dependencyEpoch: () => epoch,
    });
    attemptWithMerge('dep', 1, { merged: ['lib/util.ts'] });
    // Nobody depends on dep yet: its files are not needed.
    expect(edited.stale).toBe(false);
    expect(edited.stale).toBe(false);

    dependents = new Set(['dep']);
    epoch += 1;
    expect(edited.stale).toBe(true);
    await edited.refresh();
    expect(edited.stale).toBe(false);
    expect(edited.footprint('after').paths).toEqual([
      { pattern: 'lib/util.ts', from: { kind: 'dependency', dependency: 'dep' } },
    ]);

    attemptWithMerge('dep', 2, { merged: ['lib/more.ts'] });
    expect(edited.stale).toBe(true);
    await edited.refresh();
    expect(edited.footprint('after').paths).toEqual([
      { pattern: 'lib/more.ts', from: { kind: 'dependency', dependency: 'dep' } },
    ]);
  });
});

describe('admission', () => {
  it("reads the occupied units' merges only for a candidate expected to touch something, and still holds it back", () => {
    attemptWithMerge('retried', 1, { rejected: conflictDetail('gaffer/working', ['lib/a.ts']) });
    const asked: string[][] = [];
    const forUnits = store.merges.forUnits.bind(store.merges);
    store.merges.forUnits = (run, unitIds) => {
      asked.push([...unitIds]);
      return forUnits(run, unitIds);
    };
    const admission = guard.admission(1, ['hinted', 'dep']);
    // 'dep' has no hints, no dependencies and no conflicts: only its own merges are read.
    expect(admission.admit('dep')).toBe(true);
    expect(asked).toEqual([['dep']]);
    // 'retried' conflicted on lib/a.ts, which 'hinted' names: now the occupied units are read.
    expect(admission.admit('retried')).toBe(false);
    expect(asked).toEqual([['dep'], ['retried'], ['hinted', 'dep']]);
    // Read once per pass, not once per candidate.
    expect(admission.admit('retried')).toBe(false);
    expect(asked).toHaveLength(4);
  });
});
