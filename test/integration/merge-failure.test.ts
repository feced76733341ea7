import fs from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { branchExists, cleanup, filesOn, makeRepo, runMission } from './mission-fixture.js';

let repo = '';
afterEach(() => cleanup(repo));

it('a unit whose merge failed is never done, and its next attempt sees why', async () => {
  repo = makeRepo();
  const prompt = [
    '@attempt 1 @write files/fix.txt BROKEN first try',
    '@attempt 2 @write files/fix.txt fixed',
    '@commit fix',
  ].join('\n');
  const branchSeenAtMerge: boolean[] = [];
  const { result, events } = await runMission(
    repo,
    { units: [{ id: 'fix', title: 'fixes on retry', prompt }] },
    {},
    {
      subscribe: (bus) => {
        const branches = new Map<number, string>();
        bus.on('merge:queued', (event) => branches.set(event.mergeId, event.branch));
        bus.on('merge:rebasing', (event) =>
          branchSeenAtMerge.push(branchExists(repo, branches.get(event.mergeId) ?? '?')),
        );
      },
    },
  );
  try {
    const transitions = events.flatMap((event) => (event.type === 'unit:state' ? [event.payload.to] : []));
    // Rejected: back to pending, never done, until the second attempt merges.
    expect(transitions).toEqual(['running', 'merging', 'pending', 'running', 'merging', 'done']);
    const [first, second] = result.store.merges.forRun(result.runId);
    expect(first).toMatchObject({ status: 'rejected', reject_class: 'red' });
    expect(first?.detail).toContain('FAIL files/fix.txt contains BROKEN');
    expect(second).toMatchObject({ status: 'merged' });
    // The branch lived until its merge request had ended.
    expect(branchSeenAtMerge).toEqual([true, true]);
    expect(filesOn(repo, 'gaffer/working')).toContain('fix.txt');
    expect(fs.readFileSync(`${repo}/.gaffer/prompts/run-1/fix-attempt-2.md`, 'utf8')).toContain(
      '    FAIL files/fix.txt contains BROKEN',
    );
    // The merge queue's workspace is its own repository, left with no rebase in progress and no lock,
    // and the user's repository never held one.
    expect(fs.existsSync(`${repo}/.gaffer/merge/.git/HEAD`)).toBe(true);
    expect(fs.existsSync(`${repo}/.gaffer/merge/.git/rebase-merge`)).toBe(false);
    expect(fs.existsSync(`${repo}/.gaffer/merge/.git/index.lock`)).toBe(false);
    expect(fs.existsSync(`${repo}/.git/worktrees`)).toBe(false);
  } finally {
    result.store.close();
  }
});

it('a conflict with a unit merged first is rejected without a strike and redone on the new tip', async () => {
  repo = makeRepo();
  const { result } = await runMission(
    repo,
    {
      units: [
        { id: 'left', title: 'edits shared', prompt: '@write files/shared.txt left\n@commit left' },
        {
          id: 'right',
          title: 'edits shared too',
          prompt: '@sleep 400\n@write files/shared.txt right\n@commit right',
        },
      ],
    },
    { concurrency: 2 },
  );
  try {
    const merges = result.store.merges.forRun(result.runId);
    // right's sleep makes left usually the first to merge, but on a loaded machine either may be: the other conflicts.
    const first = merges[0]?.unit_id === 'right' ? 'right' : 'left';
    const second = first === 'left' ? 'right' : 'left';
    expect(merges.map((merge) => [merge.unit_id, merge.status, merge.reject_class])).toEqual([
      [first, 'merged', null],
      [second, 'rejected', 'conflict'],
      [second, 'merged', null],
    ]);
    expect(merges[1]?.detail).toContain('files/shared.txt');
    expect(result.store.units.get(result.runId, second)).toMatchObject({
      status: 'done',
      strikes: 0,
      attempts: 2,
    });
  } finally {
    result.store.close();
  }
});
