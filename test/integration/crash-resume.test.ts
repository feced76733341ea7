import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { processAlive } from '../../src/workers/process-group.js';
import { waitFor } from '../helpers/wait.js';
import { cleanup, defaultChecks, filesOn, makeRepo } from './mission-fixture.js';

const cli = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
let repo = '';
afterEach(() => cleanup(repo));

it('a supervisor killed mid-attempt resumes: the attempt is reaped without a strike and no work is lost', async () => {
  repo = makeRepo();
  const orphanPidFile = path.join(repo, '.gaffer-test', 'orphan.pid');
  const configPath = path.join(repo, '.gaffer-test', 'gaffer.json');
  fs.mkdirSync(path.dirname(configPath), { recursive: true });
  fs.appendFileSync(path.join(repo, '.git', 'info', 'exclude'), '/.gaffer-test/\n');
  fs.writeFileSync(
    path.join(repo, '.gaffer-test', 'plan.json'),
    JSON.stringify({
      name: 'resume',
      units: [
        { id: 'quick', title: 'quick', prompt: '@write files/quick.txt q\n@commit quick' },
        {
          id: 'slow',
          title: 'slow the first time',
          // The first attempt also leaves a process outside its group, as a daemon would. Both outlive
          // any wait of this test, however loaded the machine; the second run ends them.
          prompt: `@attempt 1 @setsid-orphan 600000 ${orphanPidFile}\n@attempt 1 @sleep 600000\n@write files/slow.txt s\n@commit slow`,
        },
      ],
    }),
  );
  fs.writeFileSync(
    configPath,
    JSON.stringify({
      repo: '..',
      plan: 'plan.json',
      concurrency: 2,
      maxAttempts: 1,
      checks: defaultChecks,
      killGraceMs: 300,
    }),
  );

  const first = execa(process.execPath, [cli, 'run', '--config', configPath, '--headless'], {
    reject: false,
  });
  const dbPath = path.join(repo, '.gaffer', 'state.db');
  const agentPid = await waitFor('the slow attempt and the quick merge', () => {
    if (!fs.existsSync(dbPath)) return undefined;
    const store = Store.open(dbPath, { readonly: true });
    try {
      const slow = store.attempts
        .forRun(1)
        .find((attempt) => attempt.unit_id === 'slow' && attempt.pid !== null);
      const quickDone = store.units.get(1, 'quick')?.status === 'done';
      return slow?.pid && quickDone ? slow.pid : undefined;
    } finally {
      store.close();
    }
  });
  const orphanPid = Number(
    await waitFor('the orphan', () =>
      fs.existsSync(orphanPidFile) ? fs.readFileSync(orphanPidFile, 'utf8').trim() || undefined : undefined,
    ),
  );
  first.kill('SIGKILL');
  await first;
  // The agent lives in its own process group, the orphan in its own session: the supervisor's death left both running.
  expect(processAlive(agentPid)).toBe(true);
  expect(processAlive(orphanPid)).toBe(true);

  const second = await execa(process.execPath, [cli, 'run', '--config', configPath, '--headless'], {
    reject: false,
  });
  expect(second.stderr).toBe('');
  expect(second.exitCode).toBe(0);
  expect(second.stdout).toMatch(/run\s+#1\s+resumed plan "resume"/);
  expect(processAlive(agentPid)).toBe(false);
  // Found by its process mark, the previous supervisor's session recorded in the state database.
  expect(processAlive(orphanPid)).toBe(false);
  expect(second.stdout).toMatch(
    /ended 1 process\(es\) \(pid \d+\) that a previous supervisor \(pid \d+\) left running/,
  );

  const store = Store.open(dbPath, { readonly: true });
  try {
    expect(store.runs.latest()).toMatchObject({ id: 1, status: 'completed' });
    // maxAttempts is 1: had the reaped attempt counted as a strike, slow would have failed.
    expect(store.units.get(1, 'slow')).toMatchObject({ status: 'done', strikes: 0, attempts: 2 });
    expect(
      store.attempts
        .forRun(1)
        .filter((attempt) => attempt.unit_id === 'slow')
        .map((attempt) => attempt.outcome),
    ).toEqual(['reaped', 'handed-off']);
  } finally {
    store.close();
  }
  expect(filesOn(repo, 'gaffer/working')).toEqual(['base.txt', 'quick.txt', 'slow.txt']);
});
