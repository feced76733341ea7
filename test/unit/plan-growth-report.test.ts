import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UnitOrigin } from '../../src/events/types.js';
import { formatSummary, summarizeRun } from '../../src/report/summary.js';
import { formatStatus, readStatus } from '../../src/status.js';
import type { NewProposal } from '../../src/store/proposals.js';
import { Store } from '../../src/store/store.js';

let dir: string;
let store: Store;
let runId: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaffer-growth-'));
  store = Store.open(join(dir, 'state.db'));
  runId = store.runs.create({
    planName: 'demo',
    planHash: 'hash',
    repo: '/tmp/repo',
    configJson: '{}',
    maxRounds: 3,
  });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function unit(id: string, origin?: UnitOrigin, discoveredFrom?: string): void {
  store.units.insert(runId, {
    id,
    title: `Title of ${id}`,
    prompt: `Do ${id}`,
    dependsOn: [],
    specJson: '{}',
    ...(origin === undefined ? {} : { origin }),
    ...(discoveredFrom === undefined ? {} : { discoveredFrom }),
  });
}

function proposal(unitId: string, overrides: Partial<NewProposal> = {}): NewProposal {
  return {
    unitId,
    title: `Title of ${unitId}`,
    prompt: `Do ${unitId}`,
    dependsOn: [],
    files: [],
    keys: [],
    source: 'health',
    discoveredFrom: 'check "tests" on cccccccccc (round 1)',
    round: 1,
    ...overrides,
  };
}

/** A run that grew: two plan units (one removed by an edit), one added by discovery, one by an edit. */
function grownRun(): void {
  unit('parser');
  unit('old');
  store.units.move(runId, 'old', 'pending', 'removed', { reason: 'an edit of the plan file removed it' });
  unit('fix-math', 'discovery', 'check "tests" on cccccccccc (round 1)');
  unit('docs', 'edit');
  store.proposals.insert(runId, proposal('fix-math'), 'accepted', 'the operator accepted it');
  store.proposals.insert(
    runId,
    proposal('lint-src', { source: 'agent', discoveredFrom: 'the discovery agent (round 1)' }),
    'rejected',
    'the operator rejected it',
  );
  store.proposals.insert(
    runId,
    proposal('fix-io', { source: 'handoff', discoveredFrom: 'the handoff of parser#1' }),
  );
}

const extra = { greenCommit: null, workingCommit: null, databasePath: '/tmp/state.db' };

describe('the summary of a run that grew', () => {
  it('counts the units added during the run by how, the removed ones, and the proposals', () => {
    grownRun();
    const summary = summarizeRun(store, runId, extra);
    expect(summary.added).toEqual({ discovery: ['fix-math'], edit: ['docs'], fixup: [] });
    expect(summary.units.removed).toBe(1);
    expect(summary.proposals).toEqual({ accepted: 1, rejected: 1, duplicate: 0, 'over-cap': 0, proposed: 1 });
    const text = formatSummary(summary);
    expect(text).toContain(
      '  plan      2 added during the run (1 by discovery, 1 by plan edit), 1 removed (old)',
    );
    expect(text).toContain('  proposals 3: 1 accepted, 1 rejected, 1 waiting');
    // A removed unit is neither unfinished nor pending.
    expect(text).not.toMatch(/unfinished \(.*old/);
  });

  it('says nothing of them for a run whose plan never changed', () => {
    unit('parser');
    const text = formatSummary(summarizeRun(store, runId, extra));
    expect(text).not.toContain('  plan ');
    expect(text).not.toContain('proposals');
  });
});

describe('gaffer status of a run that grew', () => {
  it('lists each unit with its origin and discovered_from, and every proposal with its unit, status, source and origin', () => {
    grownRun();
    const report = readStatus(store, runId);
    expect(report?.units.map((u) => [u.id, u.status, u.origin, u.discoveredFrom])).toEqual([
      ['parser', 'pending', 'plan', null],
      ['old', 'removed', 'plan', null],
      ['fix-math', 'pending', 'discovery', 'check "tests" on cccccccccc (round 1)'],
      ['docs', 'pending', 'edit', null],
    ]);
    expect(report?.proposals).toEqual([
      {
        id: 1,
        unit: 'fix-math',
        title: 'Title of fix-math',
        status: 'accepted',
        source: 'health',
        from: 'check "tests" on cccccccccc (round 1)',
        reason: 'the operator accepted it',
      },
      {
        id: 2,
        unit: 'lint-src',
        title: 'Title of lint-src',
        status: 'rejected',
        source: 'agent',
        from: 'the discovery agent (round 1)',
        reason: 'the operator rejected it',
      },
      {
        id: 3,
        unit: 'fix-io',
        title: 'Title of fix-io',
        status: 'proposed',
        source: 'handoff',
        from: 'the handoff of parser#1',
        reason: '',
      },
    ]);
    const lines = formatStatus(report!).split('\n');
    const fixMath = lines.findIndex((line) => line.startsWith('  fix-math '));
    expect(lines[fixMath + 1]).toMatch(/^ +added by discovery from check "tests" on cccccccccc \(round 1\)$/);
    const docs = lines.findIndex((line) => line.startsWith('  docs '));
    expect(lines[docs + 1]).toMatch(/^ +added by an edit of the plan file$/);
    expect(lines.find((line) => line.startsWith('  old '))).toMatch(
      /removed +an edit of the plan file removed it/,
    );
    const heading = lines.indexOf('proposals');
    expect(lines.slice(heading + 1, heading + 4)).toEqual([
      '  #1 fix-math  accepted  health  from check "tests" on cccccccccc (round 1): the operator accepted it',
      '  #2 lint-src  rejected  agent   from the discovery agent (round 1): the operator rejected it',
      '  #3 fix-io    proposed  handoff from the handoff of parser#1',
    ]);
  });

  it('shows no proposals section when discovery proposed nothing', () => {
    unit('parser');
    const report = readStatus(store, runId);
    expect(report?.proposals).toEqual([]);
    expect(formatStatus(report!).split('\n')).not.toContain('proposals');
  });
});
