import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../../src/workers/process-group.js';
import { ensureSshd, startSshHost, type SshHost } from '../helpers/sshd.js';
import { waitFor } from '../helpers/wait.js';
import { cleanup, defaultChecks, filesOn, makeRepo } from '../integration/mission-fixture.js';

const cli = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
const sshd = await ensureSshd();
if (!sshd.ok) console.warn(`skipping the worker host resume test: ${sshd.why}`);

let host: SshHost | undefined;
let repo = '';

beforeAll(async () => {
  if (sshd.ok) host = await startSshHost({ name: 'resume' });
}, 120_000);

afterAll(async () => {
  await host?.stop();
  if (repo !== '') cleanup(repo);
});

describe.skipIf(!sshd.ok)('a supervisor killed while its attempt runs on a worker host', () => {
  it('resumes: the agent it left on the host is found by its mark and ended, and the unit runs again without a strike', async () => {
    const alpha = host as SshHost;
    repo = makeRepo();
    const dir = path.join(repo, '.gaffer-test');
    const orphanPidFile = path.join(dir, 'orphan.pid');
    fs.mkdirSync(dir, { recursive: true });
    fs.appendFileSync(path.join(repo, '.git', 'info', 'exclude'), '/.gaffer-test/\n');
    fs.writeFileSync(
      path.join(dir, 'plan.json'),
      JSON.stringify({
        name: 'remote-resume',
        units: [
          {
            id: 'slow',
            title: 'slow the first time',
            prompt: `@attempt 1 @setsid-orphan 600000 ${orphanPidFile}\n@attempt 1 @sleep 600000\n@write files/slow.txt s\n@commit slow`,
          },
        ],
      }),
    );
    const configPath = path.join(dir, 'gaffer.json');
    fs.writeFileSync(
      configPath,
      JSON.stringify({
        repo: '..',
        plan: 'plan.json',
        maxAttempts: 1,
        checks: defaultChecks,
        killGraceMs: 300,
        local: { slots: 0 },
        hosts: [alpha.configEntry('alpha')],
      }),
    );
    const first = execa(process.execPath, [cli, 'run', '--config', configPath, '--headless'], {
      reject: false,
    });
    const orphanPid = Number(
      await waitFor('the remote agent to start its orphan', () =>
        fs.existsSync(orphanPidFile) ? fs.readFileSync(orphanPidFile, 'utf8').trim() || undefined : undefined,
      ),
    );
    first.kill('SIGKILL');
    await first;
    // It runs on the host, under its sshd: the supervisor's death left it running.
    expect(processAlive(orphanPid)).toBe(true);

    const second = await execa(process.execPath, [cli, 'run', '--config', configPath, '--headless'], {
      reject: false,
    });
    expect(second.stderr).toBe('');
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(
      /host alpha: ended [1-9]\d* process\(es\) an earlier connection or supervisor left running there/,
    );
    expect(processAlive(orphanPid)).toBe(false);
    expect(filesOn(repo, 'gaffer/green')).toContain('slow.txt');
  }, 180_000);
});
