import fs from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { cleanup, filesOn, git, makeRepo, runMission, writes } from '../integration/mission-fixture.js';
import { hostileAgent, reflogOf, scratchDir, verifiedInStore } from './hostile-fixture.js';

let repo = '';
let scratch = '';
afterEach(() => {
  cleanup(repo);
  cleanup(scratch);
});

/** Commits a BROKEN file on a side branch of the workspace and leaves HEAD on the agent's own good commit. */
const FORGED_COMMIT = [
  'echo good > files/forger.txt && git add -A && git commit -qm "forger: good work"',
  'GOOD=$(git rev-parse HEAD)',
  'git checkout -q -b side',
  'echo BROKEN > files/forged.txt && git add -A && git commit -qm "forged: never verified"',
  'FORGED=$(git rev-parse HEAD)',
  'git checkout -q -',
].join('\n');

it('refs an agent writes in its own workspace never reach the user repository', async () => {
  repo = makeRepo();
  scratch = scratchDir();
  const agent = hostileAgent(
    scratch,
    'local-forger',
    [
      FORGED_COMMIT,
      // Everything the field trial saw an agent do from a worktree, now in its own workspace.
      'git update-ref refs/heads/gaffer/green "$FORGED"',
      'git branch -f gaffer/working "$FORGED"',
      'git update-ref -d refs/heads/gaffer/working || true',
      'git update-ref refs/heads/main "$FORGED"',
    ].join('\n'),
  );
  const mainBefore = git(repo, 'rev-parse', 'main');
  const { result, events } = await runMission(repo, {
    units: [
      { id: 'good', title: 'good', prompt: writes('good') },
      { id: 'forger', title: 'forges refs', prompt: 'forge', agent },
    ],
  });
  try {
    expect(result.status).toBe('completed');
    expect(events.some((event) => event.type === 'branch:tampered')).toBe(false);
    // The agent's good commit merged; the forged one exists nowhere in the user's repository.
    expect(filesOn(repo, 'gaffer/working')).toEqual(['base.txt', 'forger.txt', 'good.txt']);
    expect(git(repo, 'rev-parse', 'main')).toBe(mainBefore);
    const tips = git(repo, 'for-each-ref', '--format=%(refname)', 'refs/heads/', 'refs/gaffer/');
    expect(tips.split('\n').sort()).toEqual([
      'refs/heads/gaffer/green',
      'refs/heads/gaffer/working',
      'refs/heads/main',
    ]);
    // Every commit green ever pointed at passed every gating check.
    const greens = reflogOf(repo, 'gaffer/green');
    expect(greens.length).toBeGreaterThan(1);
    for (const commit of greens) expect(verifiedInStore(result.store, commit)).toBe(true);
  } finally {
    result.store.close();
  }
});

it('an agent that escapes and pushes an unverified commit onto green is caught: green goes back, the run stops', async () => {
  repo = makeRepo();
  scratch = scratchDir();
  const agent = hostileAgent(
    scratch,
    'escaping-forger',
    [FORGED_COMMIT, 'git push -q --force "$USER_GIT" "$FORGED:refs/heads/gaffer/green"'].join('\n'),
  );
  const { result, events } = await runMission(repo, {
    units: [{ id: 'forger', title: 'forges green', prompt: 'forge', agent }],
  });
  try {
    expect(result.stoppedBy).toBe('tampered');
    expect(result.status).toBe('interrupted');
    const tampered = events.find((event) => event.type === 'branch:tampered');
    expect(tampered?.type === 'branch:tampered' && tampered.payload).toMatchObject({
      branch: 'gaffer/green',
      kind: 'moved',
      restored: true,
    });
    const savedAs = tampered?.type === 'branch:tampered' ? tampered.payload.savedAs : null;
    expect(savedAs).toMatch(/^refs\/gaffer\/foreign\/green-\d+$/);
    // The forged commit is kept (no one's work is lost), and green is back on a verified commit.
    const forged = git(repo, 'rev-parse', savedAs ?? '');
    expect(git(repo, 'show', `${forged}:files/forged.txt`)).toBe('BROKEN');
    const green = git(repo, 'rev-parse', 'gaffer/green');
    expect(green).not.toBe(forged);
    expect(verifiedInStore(result.store, green)).toBe(true);
    // Nothing was merged on top of the unknown tip.
    expect(result.store.units.get(result.runId, 'forger')?.status).toBe('merging');
    expect(result.reason).toContain('gaffer/green was moved');
  } finally {
    result.store.close();
  }
});

it('a deleted working branch is restored from the record and the run goes on', async () => {
  repo = makeRepo();
  scratch = scratchDir();
  const agent = hostileAgent(
    scratch,
    'deleter',
    [
      'echo deleter > files/deleter.txt && git add -A && git commit -qm deleter',
      'git --git-dir="$USER_GIT" update-ref -d refs/heads/gaffer/working',
    ].join('\n'),
  );
  const { result, events } = await runMission(repo, {
    units: [
      { id: 'first', title: 'first', prompt: writes('first') },
      { id: 'deleter', title: 'deletes working', prompt: 'delete', agent, depends_on: ['first'] },
    ],
  });
  try {
    const tampered = events.find((event) => event.type === 'branch:tampered');
    expect(tampered?.type === 'branch:tampered' && tampered.payload).toMatchObject({
      branch: 'gaffer/working',
      kind: 'deleted',
      restored: true,
    });
    expect(result.status).toBe('completed');
    expect(filesOn(repo, 'gaffer/working')).toEqual(['base.txt', 'deleter.txt', 'first.txt']);
  } finally {
    result.store.close();
  }
});

it('a branch moved away and back is caught by its reflog', async () => {
  repo = makeRepo();
  scratch = scratchDir();
  const agent = hostileAgent(
    scratch,
    'back-and-forth',
    [
      FORGED_COMMIT,
      'ORIGINAL=$(git --git-dir="$USER_GIT" rev-parse refs/heads/gaffer/green)',
      'git push -q --force "$USER_GIT" "$FORGED:refs/heads/gaffer/green"',
      'git --git-dir="$USER_GIT" update-ref refs/heads/gaffer/green "$ORIGINAL"',
    ].join('\n'),
  );
  const { result, events } = await runMission(repo, {
    units: [{ id: 'sly', title: 'moves green and back', prompt: 'forge', agent }],
  });
  try {
    expect(result.stoppedBy).toBe('tampered');
    const tampered = events.find((event) => event.type === 'branch:tampered');
    expect(tampered?.type === 'branch:tampered' && tampered.payload).toMatchObject({
      branch: 'gaffer/green',
      kind: 'reflog',
    });
    expect(verifiedInStore(result.store, git(repo, 'rev-parse', 'gaffer/green'))).toBe(true);
  } finally {
    result.store.close();
  }
});

it('an agent that rewrites history has no commits to merge, and leaves no branch behind', async () => {
  repo = makeRepo();
  scratch = scratchDir();
  const agent = hostileAgent(
    scratch,
    'orphan',
    [
      'git checkout -q --orphan fresh',
      'git rm -rfq .',
      'mkdir -p files && echo orphan > files/orphan.txt && git add -A && git commit -qm orphan',
    ].join('\n'),
  );
  const { result } = await runMission(
    repo,
    { units: [{ id: 'orphan', title: 'orphan', prompt: 'x', agent }] },
    { maxAttempts: 1 },
  );
  try {
    const [attempt] = result.store.attempts.forRun(result.runId);
    expect(attempt?.outcome).toBe('failed');
    expect(attempt?.reason).toContain('does not contain its base commit');
    expect(git(repo, 'branch', '--list', 'gaffer/run-*')).toBe('');
    expect(fs.existsSync(`${repo}/files/orphan.txt`)).toBe(false);
  } finally {
    result.store.close();
  }
});
