import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { readStatus } from '../../src/status.js';
import { formatSummary, summarizeRun } from '../../src/report/summary.js';
import { cleanup, git, makeRepo, runMission, writes } from './mission-fixture.js';

let repo = '';
afterEach(() => cleanup(repo));

/** A lint-like check that fails while any file under files/ holds the word DEBT. */
function withDebt(): void {
  fs.writeFileSync(
    path.join(repo, 'debt.mjs'),
    "import fs from 'node:fs';\nconst bad = fs.readdirSync('files').filter((f) => fs.readFileSync(`files/${f}`, 'utf8').includes('DEBT'));\nif (bad.length) { console.log(`debt in ${bad.join(', ')}`); process.exit(1); }\n",
  );
  fs.writeFileSync(path.join(repo, 'files', 'legacy.txt'), 'DEBT\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'legacy debt');
}

const checks = (debtGates: boolean) => [
  { name: 'files', command: [process.execPath, 'check.mjs'], timeoutMs: 30_000 },
  { name: 'debt', command: [process.execPath, 'debt.mjs'], timeoutMs: 30_000, gate: debtGates },
];

it('a non-gating check that already fails at the base informs but does not pin green', async () => {
  repo = makeRepo();
  withDebt();
  const base = git(repo, 'rev-parse', 'main');
  const { result } = await runMission(
    repo,
    { units: [{ id: 'one', title: 'one', prompt: writes('one') }] },
    { checks: checks(false) },
  );
  try {
    expect(result.status).toBe('completed');
    const working = git(repo, 'rev-parse', 'gaffer/working');
    // Created at the start (the base passes every gating check), then moved with the merge.
    expect(git(repo, 'reflog', 'show', '--format=%H', 'refs/heads/gaffer/green').split('\n')).toEqual([
      working,
      base,
    ]);
    const summary = summarizeRun(result.store, result.runId, {
      greenCommit: working,
      workingCommit: working,
      databasePath: 'state.db',
    });
    expect(formatSummary(summary)).toContain(
      `green     at ${working.slice(0, 10)} (the newest commit on which every gate check passed)`,
    );
  } finally {
    result.store.close();
  }
});

it('a gating check that fails at the base holds green back, and every output says why', async () => {
  repo = makeRepo();
  withDebt();
  const { result, events } = await runMission(
    repo,
    { units: [{ id: 'one', title: 'one', prompt: writes('one') }] },
    { checks: checks(true) },
  );
  try {
    // The unit still lands on working: it made nothing worse.
    expect(result.status).toBe('completed');
    expect(result.store.units.get(result.runId, 'one')?.status).toBe('done');
    expect(git(repo, 'branch', '--list', 'gaffer/green')).toBe('');
    const held = events.filter((event) => event.type === 'branch:held');
    expect(held.length).toBeGreaterThan(0);
    const status = readStatus(result.store);
    expect(status?.green.commit).toBeNull();
    expect(status?.green.note).toMatch(/^not created yet, held back: gate check debt fails at [0-9a-f]{10}/);
    const summary = summarizeRun(result.store, result.runId, {
      greenCommit: null,
      workingCommit: git(repo, 'rev-parse', 'gaffer/working'),
      databasePath: 'state.db',
    });
    expect(formatSummary(summary)).toContain('"gate": false');
  } finally {
    result.store.close();
  }
});
