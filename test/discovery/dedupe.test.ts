import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assignIds, dedupe, MAX_PROPOSAL_ID_LENGTH } from '../../src/discovery/dedupe.js';
import { proposalFromAgent } from '../../src/discovery/from-agent.js';
import { proposalsFromHandoff } from '../../src/discovery/from-handoff.js';
import { proposalsFromSnapshot } from '../../src/discovery/from-health.js';
import { normalizeTitle, type Proposal } from '../../src/discovery/proposal.js';
import { unitIdProblem } from '../../src/plan/validate.js';
import { HandoffSchema } from '../../src/workers/handoff.js';
import { fixtureCheck, logFolder, outputCheck, snapshotOf } from './snapshots.js';

let logs: ReturnType<typeof logFolder>;
beforeEach(() => {
  logs = logFolder();
});
afterEach(() => logs.remove());

const NOTHING = { units: [], proposals: [] };

describe('normalizeTitle', () => {
  it('drops case, punctuation and extra spaces, and keeps every word', () => {
    expect(normalizeTitle('  Fix: the "parse dates" bug!! ')).toBe('fix the parse dates bug');
    expect(normalizeTitle('Add retries')).not.toBe(normalizeTitle('Remove retries'));
  });
});

describe('dedupe', () => {
  it('finds a discovery agent proposing a unit already in the plan (title with other punctuation)', () => {
    const proposal = proposalFromAgent(
      { title: 'Add API client: retries!', prompt: 'Retry 5xx answers.' },
      3,
    );
    const { fresh, duplicates } = dedupe([proposal], {
      units: [{ id: 'api-retries', title: 'add api client retries', prompt: 'Make the client retry.' }],
      proposals: [],
    });
    expect(fresh).toEqual([]);
    expect(duplicates).toEqual([
      {
        proposal,
        of: 'api-retries',
        why: 'same title ("add api client retries") as plan unit "api-retries"',
      },
    ]);
  });

  it("finds an agent's proposal on a plan unit's files with a similar title, and keeps other work", () => {
    const same = proposalFromAgent({ title: 'Harden the parser', prompt: 'p', files: ['./src/parse.ts'] }, 1);
    const other = proposalFromAgent(
      { title: 'Cache results', prompt: 'p', files: ['src/parse.ts', 'src/cache.ts'] },
      1,
    );
    const unlike = proposalFromAgent(
      { title: 'Speed up tokenizing', prompt: 'p', files: ['src/parse.ts'] },
      1,
    );
    const { fresh, duplicates } = dedupe([same, other, unlike], {
      units: [{ id: 'parser', title: 'Parser', prompt: 'p', files: ['src/parse.ts'] }],
      proposals: [],
    });
    expect(fresh).toEqual([other, unlike]);
    expect(duplicates.map(({ of, why }) => ({ of, why }))).toEqual([
      { of: 'parser', why: 'same files (src/parse.ts) and a similar title as plan unit "parser"' },
    ]);
  });

  it('finds the same failing test in the snapshots of two rounds', () => {
    const check = () => fixtureCheck(logs.dir, { name: 'tests', parser: 'vitest', fixture: 'vitest/fail' });
    const round1 = proposalsFromSnapshot(snapshotOf('aaaaaaaaaaaa', [check()]), { round: 1, label: 'round' });
    const round2 = proposalsFromSnapshot(snapshotOf('bbbbbbbbbbbb', [check()]), { round: 2, label: 'round' });
    const earlier = { units: [], proposals: round1.map(({ keys, unitId }) => ({ keys, unitId })) };
    // A title edited by hand is no escape: the test's name is the same.
    const renamed = round2.map((proposal) => ({ ...proposal, keys: proposal.keys.slice(1) }));
    const { fresh, duplicates } = dedupe(renamed, earlier);
    expect(fresh).toEqual([]);
    expect(duplicates.map(({ of, why }) => ({ of, why }))).toEqual([
      {
        of: 'fix-applies-discount-in-fail-test-js',
        why: 'same failing test ("fail.test.js > cart > applies discount") as earlier proposal "fix-applies-discount-in-fail-test-js"',
      },
      {
        of: 'fix-is-free-over-50-in-fail-test-js',
        why: 'same failing test ("fail.test.js > cart > shipping > is free over 50") as earlier proposal "fix-is-free-over-50-in-fail-test-js"',
      },
      {
        of: 'fix-parses-dates-in-fail-test-js',
        why: 'same failing test ("fail.test.js > parses dates") as earlier proposal "fix-parses-dates-in-fail-test-js"',
      },
    ]);
  });

  it('keeps findings clusters of different files, and of different checks in one file', () => {
    const lint = fixtureCheck(logs.dir, { name: 'lint', parser: 'eslint', fixture: 'eslint/stylish-fail' });
    const lintProposals = proposalsFromSnapshot(snapshotOf('aaaaaaaaaaaa', [lint]), {
      round: 1,
      label: 'round',
    });
    expect(lintProposals.map((proposal) => proposal.files)).toEqual([['src/broken.js'], ['src/cart.js']]);
    // Another check with findings in src/cart.js: the same file, other work.
    const security: Proposal = {
      ...lintProposals[1]!,
      unitId: 'fix-security-findings-in-src-cart-js',
      title: 'Fix security findings in src/cart.js',
      keys: ['title:fix security findings in src cart js', 'files:health/security:src/cart.js'],
    };
    const { fresh, duplicates } = dedupe([...lintProposals, security], NOTHING);
    expect(fresh).toEqual([...lintProposals, security]);
    expect(duplicates).toEqual([]);
    // The same check's cluster in the next round is the same work, whatever its count.
    const next = dedupe(lintProposals, {
      units: [],
      proposals: lintProposals.map(({ keys, unitId }) => ({ keys, unitId })),
    });
    expect(next.fresh).toEqual([]);
    expect(next.duplicates.map((duplicate) => duplicate.why)).toEqual([
      'same title ("fix lint findings in src broken js") as earlier proposal "fix-lint-findings-in-src-broken-js"',
      'same title ("fix lint findings in src cart js") as earlier proposal "fix-lint-findings-in-src-cart-js"',
    ]);
  });

  it('finds a duplicate within one batch, and names the one kept', () => {
    const handoff = HandoffSchema.parse({
      status: 'done',
      summary: 'Client added',
      discoveries: ['Add pagination to the client', { title: 'add pagination to the client.' }],
    });
    const proposals = proposalsFromHandoff('api-client', 2, handoff);
    const { fresh, duplicates } = dedupe(proposals, NOTHING);
    expect(fresh).toEqual([proposals[0]]);
    expect(duplicates.map(({ of, why }) => ({ of, why }))).toEqual([
      {
        of: 'disc-add-pagination-to-the-client',
        why: 'same title ("add pagination to the client") as proposal "disc-add-pagination-to-the-client" of the same batch',
      },
    ]);
  });

  it('keeps handoff discoveries on one file with different work, and finds the same work reworded', () => {
    const handoff = HandoffSchema.parse({
      status: 'done',
      summary: 's',
      discoveries: [
        'Validate input in src/form.ts',
        'Escape output in src/form.ts',
        'Validate the input of src/form.ts',
      ],
    });
    const { fresh, duplicates } = dedupe(proposalsFromHandoff('forms', 1, handoff), NOTHING);
    expect(fresh.map((proposal) => proposal.title)).toEqual([
      'Validate input in src/form.ts',
      'Escape output in src/form.ts',
    ]);
    expect(duplicates.map(({ proposal, why }) => [proposal.title, why])).toEqual([
      [
        'Validate the input of src/form.ts',
        'same files (src/form.ts) and a similar title as proposal "disc-validate-input-in-src-form-ts" of the same batch',
      ],
    ]);
  });

  it('never matches a health proposal to a plan unit by files alone', () => {
    const check = outputCheck(logs.dir, { name: 'build', parser: 'exit-code', output: 'x\n', exitCode: 1 });
    const proposals = proposalsFromSnapshot(snapshotOf('cccccccccccc', [check]), {
      round: 1,
      label: 'round',
    });
    const lint = fixtureCheck(logs.dir, { name: 'lint', parser: 'eslint', fixture: 'eslint/stylish-fail' });
    const clusters = proposalsFromSnapshot(snapshotOf('cccccccccccc', [lint]), { round: 1, label: 'round' });
    const { fresh } = dedupe([...proposals, ...clusters], {
      units: [{ id: 'cart', title: 'Cart', prompt: 'p', files: ['src/cart.js'] }],
      proposals: [],
    });
    expect(fresh).toHaveLength(3);
  });
});

describe('assignIds', () => {
  const proposal = (title: string, source: Proposal['source']): Proposal => ({
    unitId: '',
    title,
    prompt: 'p',
    dependsOn: [],
    files: [],
    source,
    discoveredFrom: 'd',
    keys: [],
  });

  it('prefixes by source, keeps ids short and valid, and makes them unique against taken ids and each other', () => {
    const ids = assignIds(
      [
        proposal('Fix failing check "build"', 'health'),
        proposal('Fix failing check "build"', 'health'),
        proposal('Add pagination to the API client, with cursors and page sizes', 'agent'),
        proposal('Handle the empty cart', 'handoff'),
        proposal('Repair regressed check: tests', 'fixup'),
        proposal('!!!', 'agent'),
        proposal('Ünïcode ☃ only', 'handoff'),
      ],
      new Set(['fix-failing-check-build', 'disc-handle-the-empty-cart']),
    ).map((assigned) => assigned.unitId);
    expect(ids).toEqual([
      'fix-failing-check-build-2',
      'fix-failing-check-build-3',
      'disc-add-pagination-to-the-api-client',
      'disc-handle-the-empty-cart-2',
      'fixup-repair-regressed-check-tests',
      'disc-work',
      'disc-unicode-only',
    ]);
    for (const id of ids) {
      expect(id.length).toBeLessThanOrEqual(MAX_PROPOSAL_ID_LENGTH);
      expect(unitIdProblem(id)).toBeUndefined();
    }
  });

  it('never hands out an id removed earlier in the run', () => {
    const [assigned] = assignIds([proposal('Add a cache', 'agent')], new Set(['disc-add-a-cache']));
    expect(assigned?.unitId).toBe('disc-add-a-cache-2');
  });

  it('stays within 40 characters with a suffix on a long id', () => {
    const long = proposal('Fix failing check "a-really-long-check-name-for-everything"', 'health');
    const first = assignIds([long], new Set())[0]?.unitId ?? '';
    const [second] = assignIds([long], new Set([first]));
    expect(second?.unitId.length).toBeLessThanOrEqual(MAX_PROPOSAL_ID_LENGTH);
    expect(second?.unitId).toMatch(/^fix-failing-check-a-really.*-2$/);
  });
});
