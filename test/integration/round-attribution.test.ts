import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { formatStatus, readStatus } from '../../src/status.js';
import { loadUnitDetail } from '../../src/report/unit-detail.js';
import { cleanup, git, makeRepo, runMission, writes } from './mission-fixture.js';

let repo = '';
afterEach(() => cleanup(repo));

/**
 * A non-gating check lets a unit's debt through; a second unit's merge lands
 * on top in the same round. The round's snapshot (its commit made by the
 * second merge) names the first unit: the failure was first seen with its merge.
 */
it("a round's snapshot names the unit whose merge a failure was first seen with, not the round's last merge", async () => {
  repo = makeRepo();
  fs.writeFileSync(
    path.join(repo, 'debt.mjs'),
    "import fs from 'node:fs';\nconst bad = fs.readdirSync('files').filter((f) => fs.readFileSync(`files/${f}`, 'utf8').includes('DEBT'));\nif (bad.length) { console.log(`debt in ${bad.join(', ')}`); process.exit(1); }\n",
  );
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'debt check');
  const { result, events } = await runMission(
    repo,
    {
      units: [
        { id: 'first', title: 'first', prompt: writes('first', 'DEBT') },
        { id: 'second', title: 'second', prompt: writes('second'), depends_on: ['first'] },
      ],
    },
    {
      rounds: { max: 1 },
      checks: [
        { name: 'files', command: [process.execPath, 'check.mjs'], timeoutMs: 30_000 },
        { name: 'debt', command: [process.execPath, 'debt.mjs'], timeoutMs: 30_000, gate: false },
      ],
    },
  );
  try {
    expect(result.status).toBe('completed');
    const round = events.find((event) => event.type === 'health:snapshot' && event.payload.label === 'round');
    expect(round?.type === 'health:snapshot' && round.payload).toMatchObject({
      round: 1,
      commit: git(repo, 'rev-parse', 'gaffer/working'),
      brokeWith: [{ check: 'debt', unitId: 'first', round: 1, items: [] }],
    });
    const baseline = events.find((event) => event.type === 'health:snapshot');
    expect(baseline?.type === 'health:snapshot' && baseline.payload.brokeWith).toBeUndefined();
    const first = await loadUnitDetail(result.store, repo, result.runId, 'first');
    expect(first?.broke).toMatchObject([{ check: 'debt', unitId: 'first' }]);
    const second = await loadUnitDetail(result.store, repo, result.runId, 'second');
    expect(second?.broke).toEqual([]);
    // gaffer status names it too, under the working branch's health.
    const report = readStatus(result.store, result.runId);
    expect(report?.attributions).toEqual([{ check: 'debt', item: '', unitId: 'first', round: 1 }]);
    expect(formatStatus(report as NonNullable<typeof report>)).toContain(
      "first seen with unit first's merge (round 1): check debt",
    );
  } finally {
    result.store.close();
  }
});
