/**
 * A host's slots take their first attempts at the same moment, and each
 * found the host's cache repository missing: two `git init --bare` of one
 * folder at once, and the loser's attempt could not be prepared ("could not
 * lock config file"), leaving its unit for the next round. The cache is now
 * made once, the others waiting for it. The host's logins skip root's shell
 * startup files and the missions have no checks, so the sessions are quick
 * and start together, as they did when the race was seen; each mission has
 * a new repository, so a new cache, and three of them make a lost race
 * near certain.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GafferEvent } from '../../src/events/types.js';
import { ensureSshd, startSshHost, type SshHost } from '../helpers/sshd.js';
import { cleanup, filesOn, makeRepo, runMission, writes } from '../integration/mission-fixture.js';

const sshd = await ensureSshd();
if (!sshd.ok) console.warn(`skipping the first attempts on a host: ${sshd.why}`);

const SLOTS = 4;
const MISSIONS = 3;
let host: SshHost;
const repos: string[] = [];

beforeAll(async () => {
  if (sshd.ok) host = await startSshHost({ name: 'race', bareLogin: true });
}, 120_000);

afterAll(async () => {
  await host?.stop();
  for (const repo of repos) cleanup(repo);
});

describe.skipIf(!sshd.ok)("a host's first attempts", () => {
  it('start together on every slot, and all of them run: the cache repository is made once', async () => {
    for (let mission = 0; mission < MISSIONS; mission += 1) await firstAttemptsAllRun();
  }, 180_000);
});

async function firstAttemptsAllRun(): Promise<void> {
  const repo = makeRepo();
  repos.push(repo);
  const ids = Array.from({ length: SLOTS }, (_, index) => `u${index + 1}`);
  const { result, events } = await runMission(
    repo,
    { units: ids.map((id) => ({ id, title: id, prompt: writes(id) })) },
    {
      local: { slots: 0 },
      hosts: [
        {
          name: 'alpha',
          ssh: host.destination,
          port: host.port,
          identityFile: host.identityFile,
          knownHostsFile: host.knownHostsFile,
          workdir: path.join(host.dir, 'work'),
          slots: SLOTS,
        },
      ],
      // One round: a unit whose workspace could not be prepared would be left unfinished.
      rounds: { max: 1 },
      maxAttempts: 1,
      checks: [],
    },
  );
  try {
    const warnings = events.flatMap((event: GafferEvent) =>
      event.type === 'supervisor:warning' ? [event.payload.message] : [],
    );
    expect(warnings).toEqual([]);
    expect(result.status).toBe('completed');
    expect(result.store.attempts.forRun(result.runId).map((attempt) => attempt.outcome)).toEqual(
      ids.map(() => 'handed-off'),
    );
    expect(filesOn(repo, 'gaffer/working')).toEqual([...ids.map((id) => `${id}.txt`), 'base.txt'].sort());
  } finally {
    result.store.close();
  }
}
