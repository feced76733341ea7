import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { waitFor } from '../helpers/wait.js';
import { cleanup, filesOn, git, makeRepo } from './mission-fixture.js';

const cli = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
let repo = '';
let strayCheck = 0;
afterEach(() => {
  if (strayCheck > 0) {
    try {
      process.kill(-strayCheck, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  cleanup(repo);
});

it('a restart in the middle of a merge resumes that merge: no strike, no lost job, the queue worktree repaired', async () => {
  repo = makeRepo();
  const outside = fs.mkdtempSync(path.join(repo, '..', 'gaffer-it-outside-'));
  const marker = path.join(outside, 'first-verification');
  // Slow only the first time it verifies the candidate that holds files/unit.txt.
  const checkScript = path.join(outside, 'slow-check.mjs');
  fs.writeFileSync(
    checkScript,
    [
      "import fs from 'node:fs';",
      `const marker = ${JSON.stringify(marker)};`,
      "if (fs.existsSync('files/unit.txt') && !fs.existsSync(marker)) {",
      '  fs.writeFileSync(marker, String(process.pid));',
      '  setTimeout(() => {}, 60_000);',
      '}',
    ].join('\n'),
  );
  const planPath = path.join(outside, 'plan.json');
  fs.writeFileSync(
    planPath,
    JSON.stringify({
      units: [{ id: 'unit', title: 'one unit', prompt: '@write files/unit.txt u\n@commit unit' }],
    }),
  );
  const configPath = path.join(outside, 'gaffer.json');
  fs.writeFileSync(
    configPath,
    JSON.stringify({
      repo,
      plan: planPath,
      maxAttempts: 1,
      checks: [{ name: 'slow', command: [process.execPath, checkScript] }],
    }),
  );

  const first = execa(process.execPath, [cli, 'run', '--config', configPath, '--headless'], {
    reject: false,
  });
  const dbPath = path.join(repo, '.gaffer', 'state.db');
  await waitFor('the merge to be verifying', () => {
    if (!fs.existsSync(marker) || !fs.existsSync(dbPath)) return undefined;
    const store = Store.open(dbPath, { readonly: true });
    try {
      return store.merges.forRun(1)[0]?.status === 'verifying' ? true : undefined;
    } finally {
      store.close();
    }
  });
  strayCheck = Number(fs.readFileSync(marker, 'utf8'));
  first.kill('SIGKILL');
  await first;
  // A git process that died mid-operation leaves a lock file behind.
  const queueGitDir = git(path.join(repo, '.gaffer', 'merge'), 'rev-parse', '--absolute-git-dir');
  fs.writeFileSync(path.join(queueGitDir, 'index.lock'), '');

  const second = await execa(process.execPath, [cli, 'run', '--config', configPath, '--headless'], {
    reject: false,
  });
  expect(second.stderr).toBe('');
  expect(second.exitCode).toBe(0);
  expect(second.stdout).toContain('was in flight at the restart: resumed');

  const store = Store.open(dbPath, { readonly: true });
  try {
    // The same merge request finished: it was resumed, not dropped and not counted as a failure.
    expect(store.merges.forRun(1).map((merge) => [merge.id, merge.status])).toEqual([[1, 'merged']]);
    expect(store.units.get(1, 'unit')).toMatchObject({ status: 'done', strikes: 0, attempts: 1 });
  } finally {
    store.close();
  }
  expect(filesOn(repo, 'gaffer/working')).toEqual(['base.txt', 'unit.txt']);
  expect(fs.existsSync(path.join(queueGitDir, 'index.lock'))).toBe(false);
  fs.rmSync(outside, { recursive: true, force: true });
});
