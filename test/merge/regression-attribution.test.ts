import { afterEach, expect, it } from 'vitest';
import type { GafferEvent, GafferEvents } from '../../src/events/types.js';
import { runAttributions } from '../../src/health/attribution.js';
import { loadUnitDetail } from '../../src/report/unit-detail.js';
import { cleanup, makeRepo } from '../integration/mission-fixture.js';
import { checkSpec, commitFiles, queueHarness, type QueueHarness } from './queue-harness.js';

let repo = '';
let harness: QueueHarness | undefined;
afterEach(() => {
  harness?.close();
  harness = undefined;
  cleanup(repo);
});

const passing = (name: string): string =>
  `import test from 'node:test';\ntest(${JSON.stringify(name)}, () => {});\n`;
const failing = (name: string, why: string): string =>
  `import test from 'node:test';\ntest(${JSON.stringify(name)}, () => { throw new Error(${JSON.stringify(why)}); });\n`;

function rejection(events: readonly GafferEvent[], unitId: string): string {
  const event = events.find((item) => item.type === 'merge:rejected' && item.payload.unitId === unitId);
  return event?.type === 'merge:rejected' ? event.payload.detail : '';
}

function snapshots(events: readonly GafferEvent[]): GafferEvents['health:snapshot'][] {
  return events.flatMap((event) => (event.type === 'health:snapshot' ? [event.payload] : []));
}

/**
 * Unit `slowbreak` lands a failing test in a non-gating check (the gate lets
 * it through, as it should); unit `unitbreak` then breaks a gating test. The
 * rejection says what this change broke and what failed since whose merge;
 * the snapshots carry the attribution; the details say it too.
 */
it('a failure on the working branch is named with the merge it was first seen with, in the verdict, the event and the detail', async () => {
  repo = makeRepo();
  commitFiles(repo, {
    'test/unit/a.test.mjs': passing('alpha works'),
    'test/slow/s.test.mjs': passing('slow path works'),
  });
  const unit = checkSpec('unit', [process.execPath, '--test', 'test/unit/'], { parser: 'node-test' });
  const slow = checkSpec('slow', [process.execPath, '--test', 'test/slow/'], {
    parser: 'node-test',
    gate: false,
  });
  harness = await queueHarness(
    repo,
    [
      { id: 'slowbreak', files: { 'test/slow/s.test.mjs': failing('slow path works', 'slow broke') } },
      { id: 'unitbreak', files: { 'test/unit/a.test.mjs': failing('alpha works', 'alpha broke') } },
    ],
    [unit, slow],
    1,
    { confirmFailures: false },
  );
  const outcomes = await harness.mergeAll();
  expect(outcomes.get('slowbreak')).toMatchObject({ status: 'merged' });
  expect(outcomes.get('unitbreak')).toEqual({ status: 'rejected', class: 'red' });

  const runId = harness.store.runs.latest()?.id ?? 0;
  const attributions = runAttributions(harness.store, runId);
  expect(attributions).toHaveLength(1);
  const slowTest = attributions[0]?.item ?? '';
  expect(slowTest).toContain('slow path works');
  expect(attributions[0]).toMatchObject({ check: 'slow', unitId: 'slowbreak', round: 1 });

  // The verdict's words: this change's own failure, and the one it found.
  const detail = rejection(harness.events, 'unitbreak');
  expect(detail).toMatch(/^this change breaks unit: .*alpha works/m);
  expect(detail).toContain(
    `slow: ${slowTest} fails; it has failed since unit slowbreak's merge (round 1), not this change`,
  );
  expect(detail).not.toMatch(/this change breaks slow/);
  // The gate's own words are still there, as strict as before.
  expect(detail).toMatch(/test now fails: .*alpha works/);

  // The snapshot events carry it: slowbreak's candidate (it landed), and unitbreak's (as if it had).
  const candidates = snapshots(harness.events).filter((snapshot) => snapshot.label === 'candidate');
  expect(candidates[0]?.brokeWith).toEqual([
    { check: 'slow', unitId: 'slowbreak', round: 1, items: [slowTest] },
  ]);
  expect(candidates.at(-1)?.brokeWith).toEqual(
    expect.arrayContaining([
      { check: 'slow', unitId: 'slowbreak', round: 1, items: [slowTest] },
      expect.objectContaining({ check: 'unit', unitId: 'unitbreak' }),
    ]),
  );
  // The first target (the base) fails nothing: no field at all.
  expect(snapshots(harness.events)[0]?.brokeWith).toBeUndefined();

  // The detail of the unit that broke it says which test; the rejected one's says it was not its change.
  const broke = await loadUnitDetail(harness.store, repo, runId, 'slowbreak');
  expect(broke?.broke.map((found) => found.item)).toEqual([slowTest]);
  expect(broke?.diff?.stat.join('\n')).toContain('test/slow/s.test.mjs');
  const rejected = await loadUnitDetail(harness.store, repo, runId, 'unitbreak');
  expect(rejected?.broke).toEqual([]);
  expect(rejected?.inherited.map((found) => found.unitId)).toEqual(['slowbreak']);
  const merge = rejected?.merges[0];
  expect(merge).toMatchObject({ status: 'rejected', rejectClass: 'red', detail });
  const unitCheck = merge?.checks.find((check) => check.name === 'unit');
  expect(unitCheck?.passed).toBe(false);
  expect(unitCheck?.failing.join('\n')).toContain('alpha works');
  expect(unitCheck?.counts).toMatchObject({ failed: 1 });
  expect(unitCheck?.tail.join('\n')).toContain('alpha broke');
  expect(rejected?.diff?.lines.join('\n')).toContain(
    `+test("alpha works", () => { throw new Error("alpha broke"); });`,
  );
});
