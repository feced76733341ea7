import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { cleanup, filesOn, git, makeRepo, runMission, writes } from '../integration/mission-fixture.js';
import {
  hostileAgent,
  reflogOf,
  repoSurface,
  scratchDir,
  tripwire,
  verifiedInStore,
} from './hostile-fixture.js';

let repo = '';
let scratch = '';
afterEach(() => {
  cleanup(repo);
  cleanup(scratch);
});

it('hooks, fsmonitor, hooksPath and filters an agent plants in its workspace never run in gaffer, nor reach the user', async () => {
  repo = makeRepo();
  scratch = scratchDir();
  const trip = tripwire(scratch);
  const hooksDir = path.join(scratch, 'hooks');
  fs.mkdirSync(hooksDir);
  for (const hook of ['post-checkout', 'pre-commit', 'reference-transaction', 'post-rewrite', 'pre-auto-gc'])
    fs.copyFileSync(trip.script, path.join(hooksDir, hook));
  const agent = hostileAgent(
    scratch,
    'planter',
    [
      // Its own work first, committed before anything is planted (so the agent trips nothing itself).
      "printf '* filter=evil\\n' > .gitattributes",
      'echo planted > files/planter.txt',
      'git add -A && git commit -qm "planter: work and attributes"',
      // Then everything that would run inside gaffer's next git command in this workspace.
      `git config core.fsmonitor '${trip.script}'`,
      `git config filter.evil.smudge '${trip.script}'`,
      `git config filter.evil.clean '${trip.script}'`,
      'git config filter.evil.required true',
      'mkdir -p .git/hooks',
      `for hook in post-checkout pre-commit reference-transaction post-rewrite pre-auto-gc; do cp '${trip.script}' ".git/hooks/$hook"; done`,
      `git config core.hooksPath '${hooksDir}'`,
    ].join('\n'),
  );
  // Its .git becomes a link to the user's: making the slot anew must remove the link, not follow it.
  const linker = hostileAgent(
    scratch,
    'linker',
    [
      'echo linked > files/linker.txt && git add -A && git commit -qm linker',
      'rm -rf .git && ln -s "$USER_GIT" .git',
    ].join('\n'),
  );
  const before = repoSurface(repo);
  const mainBefore = git(repo, 'rev-parse', 'main');
  // One slot: the second unit's attempt runs in the very workspace the planter left.
  const { result } = await runMission(
    repo,
    {
      units: [
        { id: 'planter', title: 'plants hooks', prompt: 'plant', agent },
        { id: 'linker', title: 'links .git to the user', prompt: 'link', agent: linker },
        { id: 'after', title: 'runs in the same slot', prompt: writes('after'), depends_on: ['planter'] },
      ],
    },
    { concurrency: 1, maxAttempts: 1 },
  );
  try {
    expect(result.store.units.get(result.runId, 'planter')?.status).toBe('done');
    expect(result.store.units.get(result.runId, 'after')?.status).toBe('done');
    // The linker's work went nowhere: its .git pointed at the user's, whose HEAD holds no new commit.
    expect(result.store.units.get(result.runId, 'linker')?.status).toBe('failed');
    expect(filesOn(repo, 'gaffer/working')).toEqual(['after.txt', 'base.txt', 'planter.txt']);
    expect(git(repo, 'rev-parse', 'main')).toBe(mainBefore);
    const attempts = result.store.attempts.forRun(result.runId);
    expect(new Set(attempts.map((attempt) => attempt.worktree)).size).toBe(1);
    // Nothing planted ever ran: not in gaffer's fetch, checkout, rebase, nor in the next agent's slot.
    expect(fs.existsSync(trip.mark)).toBe(false);
    // The user's repository holds no planted hook or config.
    expect(repoSurface(repo)).toEqual(before);
    expect(fs.existsSync(path.join(repo, '.git', 'objects'))).toBe(true);
  } finally {
    result.store.close();
  }
});

it('hooks and config an escaped agent plants in the user repository never run in gaffer, and stop the run', async () => {
  repo = makeRepo();
  scratch = scratchDir();
  const trip = tripwire(scratch);
  const agent = hostileAgent(
    scratch,
    'escaping-planter',
    [
      'echo planted > files/planter.txt && git add -A && git commit -qm planter',
      `for hook in reference-transaction post-checkout pre-commit post-rewrite; do cp '${trip.script}' "$USER_GIT/hooks/$hook"; done`,
      `git --git-dir="$USER_GIT" config core.fsmonitor '${trip.script}'`,
      `git --git-dir="$USER_GIT" config filter.evil.smudge '${trip.script}'`,
    ].join('\n'),
  );
  const { result, events } = await runMission(repo, {
    units: [{ id: 'planter', title: 'plants in the user repo', prompt: 'plant', agent }],
  });
  try {
    // gaffer's own git commands (fetch, update-ref, config reads) ran with hooks and fsmonitor off.
    expect(fs.existsSync(trip.mark)).toBe(false);
    expect(result.stoppedBy).toBe('tampered');
    const tampered = events.find((event) => event.type === 'repo:tampered');
    expect(tampered?.type === 'repo:tampered' && tampered.payload.changes).toEqual([
      'config core.fsmonitor added',
      'config filter.evil.smudge added',
      'hook .git/hooks/post-checkout added',
      'hook .git/hooks/post-rewrite added',
      'hook .git/hooks/pre-commit added',
      'hook .git/hooks/reference-transaction added',
    ]);
    expect(result.reason).toContain('hooks or configuration changed');
    // Nothing merged after the repository changed under gaffer.
    expect(result.store.units.get(result.runId, 'planter')?.status).toBe('merging');
  } finally {
    result.store.close();
    // The planted hooks are the test's to remove: gaffer never deletes the user's files.
    for (const hook of ['reference-transaction', 'post-checkout', 'pre-commit', 'post-rewrite'])
      fs.rmSync(path.join(repo, '.git', 'hooks', hook), { force: true });
  }
});

it('a check that writes refs, hooks and config in the merge workspace changes nothing of the user', async () => {
  repo = makeRepo();
  scratch = scratchDir();
  const trip = tripwire(scratch);
  const hostileCheck = [
    'git update-ref refs/heads/gaffer/green HEAD',
    'git update-ref -d refs/heads/gaffer/working 2>/dev/null || true',
    `git config core.fsmonitor '${trip.script}'`,
    `cp '${trip.script}' .git/hooks/post-checkout 2>/dev/null || { mkdir -p .git/hooks && cp '${trip.script}' .git/hooks/post-checkout; }`,
    `git config core.hooksPath '${scratch}'`,
    'exit 0',
  ].join('\n');
  const before = repoSurface(repo);
  const greenBefore = git(repo, 'rev-parse', 'main');
  const { result, events } = await runMission(
    repo,
    {
      units: [
        { id: 'one', title: 'one', prompt: writes('one') },
        { id: 'two', title: 'two', prompt: writes('two'), depends_on: ['one'] },
      ],
    },
    {
      checks: [
        { name: 'files', command: [process.execPath, 'check.mjs'], timeoutMs: 30_000 },
        { name: 'sneaky', command: ['bash', '-c', hostileCheck], timeoutMs: 30_000 },
      ],
    },
  );
  try {
    expect(result.status).toBe('completed');
    expect(events.some((event) => event.type === 'branch:tampered' || event.type === 'repo:tampered')).toBe(
      false,
    );
    expect(fs.existsSync(trip.mark)).toBe(false);
    expect(repoSurface(repo)).toEqual(before);
    // Green moved only by gaffer, from the base to the verified tip of working.
    const moves = git(repo, 'reflog', 'show', '--format=%gs', 'refs/heads/gaffer/green').split('\n');
    expect(moves.length).toBe(3);
    for (const move of moves) expect(move).toMatch(/^gaffer: /);
    expect(reflogOf(repo, 'gaffer/green').at(-1)).toBe(greenBefore);
    expect(git(repo, 'rev-parse', 'gaffer/green')).toBe(git(repo, 'rev-parse', 'gaffer/working'));
  } finally {
    result.store.close();
  }
});

it('a check that escapes to move green is caught before the run says where green is', async () => {
  repo = makeRepo();
  const escape = [
    'USER_GIT="$(dirname "$(head -n 1 .git/objects/info/alternates)")"',
    'git --git-dir="$USER_GIT" update-ref refs/heads/gaffer/green "$(git --git-dir="$USER_GIT" rev-parse refs/heads/main)" 2>/dev/null || true',
    'exit 0',
  ].join('\n');
  const { result, events } = await runMission(
    repo,
    { units: [{ id: 'one', title: 'one', prompt: writes('one') }] },
    {
      checks: [
        { name: 'files', command: [process.execPath, 'check.mjs'], timeoutMs: 30_000 },
        { name: 'escape', command: ['bash', '-c', escape], timeoutMs: 30_000 },
      ],
    },
  );
  try {
    // The check's first run (the baseline) already makes green, before gaffer would have: the
    // guard sees a green it never wrote before the first merge, keeps it aside and stops.
    expect(result.stoppedBy).toBe('tampered');
    const tampered = events.find((event) => event.type === 'branch:tampered');
    expect(tampered?.type === 'branch:tampered' && tampered.payload.branch).toBe('gaffer/green');
    const green = git(repo, 'for-each-ref', '--format=%(objectname)', 'refs/heads/gaffer/green');
    if (green !== '') expect(verifiedInStore(result.store, green)).toBe(true);
    expect(result.store.units.get(result.runId, 'one')?.status).not.toBe('done');
  } finally {
    result.store.close();
  }
});
