import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, makeRepo } from '../integration/mission-fixture.js';
import { queueHarness, reflog, type Candidate, type QueueHarness } from './queue-harness.js';

let repo = '';
let harness: QueueHarness | undefined;
afterEach(() => {
  harness?.close();
  cleanup(repo);
});

// Fails when a file holds BROKEN, or when the api is v2 while a caller still needs v1:
// a break that shows only when two candidates land together.
const checkScript = [
  "import fs from 'node:fs';",
  "const read = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');",
  "const names = fs.readdirSync('files');",
  "const broken = names.filter((n) => read(`files/${n}`).includes('BROKEN'));",
  "if (read('files/api.txt').includes('v2') && read('files/caller.txt').includes('needs v1')) broken.push('caller.txt (api v2)');",
  'for (const b of broken) console.log(`FAIL ${b}`);',
  'process.exit(broken.length > 0 ? 1 : 0);',
].join('\n');

describe.each([
  { mode: 'serial', verifiers: 1 },
  { mode: 'parallel', verifiers: 4 },
])('$mode verification', ({ verifiers }) => {
  it('a batch of 8 with 2 culprits (one breaks only with another candidate) lands the 6 innocents; green only ever holds verified commits', async () => {
    repo = makeRepo();
    const candidates: Candidate[] = [
      { id: 'c1', files: { 'files/c1.txt': 'ok' } },
      { id: 'api', files: { 'files/api.txt': 'v2' } },
      { id: 'c3', files: { 'files/c3.txt': 'ok' } },
      { id: 'broken', files: { 'files/broken.txt': 'BROKEN' } },
      { id: 'c5', files: { 'files/c5.txt': 'ok' } },
      { id: 'caller', files: { 'files/caller.txt': 'needs v1' } },
      { id: 'c7', files: { 'files/c7.txt': 'ok' } },
      { id: 'c8', files: { 'files/c8.txt': 'ok' } },
    ];
    const fs = await import('node:fs');
    fs.writeFileSync(`${repo}/batch-check.mjs`, checkScript);
    const { git } = await import('../integration/mission-fixture.js');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'batch check');
    harness = await queueHarness(
      repo,
      candidates,
      [
        {
          name: 'files',
          command: [process.execPath, 'batch-check.mjs'],
          timeoutMs: 30_000,
          gate: true,
          parser: 'exit-code',
        },
      ],
      8,
      { verifiers },
    );
    const outcomes = await harness.mergeAll();

    const landed = [...outcomes].filter(([, outcome]) => outcome.status === 'merged').map(([id]) => id);
    expect(landed).toEqual(['c1', 'api', 'c3', 'c5', 'c7', 'c8']);
    expect(outcomes.get('broken')).toEqual({ status: 'rejected', class: 'red' });
    expect(outcomes.get('caller')).toEqual({ status: 'rejected', class: 'red' });
    // A search, not one verification per candidate: with one verifier about 2 x culprits x log2(batch);
    // with more, the passes are fewer and each verifies up to one prefix per verifier.
    expect(harness.queue.verificationCount).toBeLessThanOrEqual(verifiers === 1 ? 2 * 2 * 3 + 1 : 24);

    // Every value green ever held passed every check in the store.
    const verified = new Set(
      harness.store.health
        .forRun(1)
        .filter((row) => row.passed === 1)
        .map((row) => row.commit_sha),
    );
    const greens = reflog(repo, 'gaffer/green');
    expect(greens.length).toBeGreaterThan(1);
    for (const commit of greens) expect(verified.has(commit)).toBe(true);
    const tree = git(repo, 'ls-tree', '--name-only', 'gaffer/working', 'files/');
    expect(tree).not.toContain('broken.txt');
    expect(tree).not.toContain('caller.txt');
  });
});
