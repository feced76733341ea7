import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createRun } from '../../src/controller/run-setup.js';
import { parsePlan } from '../../src/plan/load.js';
import { DIFF_MAX_LINES, loadUnitDetail } from '../../src/report/unit-detail.js';
import { Store } from '../../src/store/store.js';
import { cleanup, git, makeRepo } from '../integration/mission-fixture.js';

let repo = '';
let store: Store | undefined;
afterEach(() => {
  store?.close();
  store = undefined;
  cleanup(repo);
});

const LONG_REASON = `${'attempt 2 failed: the agent exited 1 after it said the tests could not be run; '.repeat(40)}THE-END`;

/** A real repository with a commit on a side branch; a run whose rows are written with the store's own API. */
function fixture(): { runId: number; base: string; head: string } {
  repo = makeRepo();
  const base = git(repo, 'rev-parse', 'HEAD');
  git(repo, 'checkout', '-q', '-b', 'work');
  const big = Array.from({ length: DIFF_MAX_LINES + 500 }, (_, index) => `line ${index}`).join('\n');
  fs.writeFileSync(path.join(repo, 'files', 'big.txt'), `${big}\n`);
  fs.writeFileSync(path.join(repo, 'files', 'base.txt'), 'base, changed\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'big');
  const head = git(repo, 'rev-parse', 'HEAD');
  git(repo, 'checkout', '-q', 'main');
  store = Store.open(path.join(repo, '.gaffer', 'state.db'));
  const plan = parsePlan(
    {
      units: [
        { id: 'big', title: 'Add the big file', prompt: 'fixture' },
        { id: 'after', title: 'After big', prompt: 'fixture', depends_on: ['big'] },
        { id: 'lost', title: 'Lost commits', prompt: 'fixture' },
      ],
    },
    'detail',
  );
  const runId = createRun(store, { plan, repo, configJson: '{}', maxRounds: 2 });
  return { runId, base, head };
}

function attempt(
  runId: number,
  unitId: string,
  number: number,
  end: { base: string; head: string | null; reason: string; handoffJson?: string; costUsd?: number },
): void {
  const s = store as Store;
  const id = s.attempts.start({
    runId,
    unitId,
    number,
    round: number,
    branch: `gaffer/run-${runId}/${unitId}/attempt-${number}`,
    worktree: '/nowhere',
    baseCommit: end.base,
    logPath: `/tmp/logs/${unitId}-${number}.log`,
  });
  s.attempts.end(id, {
    outcome: end.head === null ? 'failed' : 'handed-off',
    head: end.head,
    exitCode: end.head === null ? 1 : 0,
    signal: null,
    handoff: end.handoffJson ? 'valid' : 'missing',
    handoffJson: end.handoffJson ?? null,
    commits: end.head === null ? 0 : 1,
    reason: end.reason,
    usage: { inputTokens: 1000, outputTokens: 200, cachedTokens: 0, costUsd: end.costUsd ?? null },
  });
}

it('reads a unit in full: its reason whole, every attempt with its handoff, the diff stat, and the diff bounded with a word', async () => {
  const { runId, base, head } = fixture();
  attempt(runId, 'big', 1, { base, head: null, reason: 'exit 1: tests could not run' });
  attempt(runId, 'big', 2, {
    base,
    head,
    reason: LONG_REASON,
    handoffJson: JSON.stringify({ status: 'done', summary: 'Added the big file and changed base.txt' }),
    costUsd: 0.25,
  });
  store?.units.update(runId, 'big', { reason: LONG_REASON });

  const detail = await loadUnitDetail(store as Store, repo, runId, 'big');
  expect(detail).toMatchObject({ id: 'big', title: 'Add the big file', status: 'pending', origin: 'plan' });
  expect(detail?.reason).toBe(LONG_REASON);
  expect(
    detail?.attempts.map((a) => [a.number, a.outcome, a.reason.endsWith('THE-END') || a.reason]),
  ).toEqual([
    [1, 'failed', 'exit 1: tests could not run'],
    [2, 'handed-off', true],
  ]);
  expect(detail?.attempts[1]).toMatchObject({
    handoffSummary: 'Added the big file and changed base.txt',
    headCommit: head,
    costUsd: 0.25,
    inputTokens: 1000,
    outputTokens: 200,
  });
  expect(detail?.attempts[0]?.handoffSummary).toBeNull();
  const stat = detail?.diff?.stat.join('\n') ?? '';
  expect(stat).toContain('files/base.txt');
  expect(stat).toContain('files/big.txt');
  expect(stat).toContain('2 files changed');
  expect(detail?.diff?.lines).toHaveLength(DIFF_MAX_LINES);
  expect(detail?.diff?.lines).toContain('+base, changed');
  expect(detail?.diff?.cut).toMatch(
    new RegExp(
      `cut after ${DIFF_MAX_LINES} of \\d+ lines .*\`git diff ${base.slice(0, 10)} ${head.slice(0, 10)}\` shows it whole`,
    ),
  );
});

it('says what a unit waits on, and that an attempt’s commits are gone rather than showing nothing', async () => {
  const { runId, base } = fixture();
  attempt(runId, 'lost', 1, { base, head: 'f'.repeat(40), reason: 'handed off' });

  const after = await loadUnitDetail(store as Store, repo, runId, 'after');
  expect(after?.dependsOn).toEqual(['big']);
  expect(after?.waitingOn).toEqual(['big (a dependency, pending)']);
  expect(after?.diff).toBeUndefined();
  expect(after?.diffNote).toBe('no attempt has ended with commits');

  const lost = await loadUnitDetail(store as Store, repo, runId, 'lost');
  expect(lost?.diff).toBeUndefined();
  expect(lost?.diffNote).toContain(`attempt 1's commit ffffffffff is gone from the repository`);
  expect(lost?.merges).toEqual([]);

  expect(await loadUnitDetail(store as Store, repo, runId, 'nosuch')).toBeUndefined();
});
