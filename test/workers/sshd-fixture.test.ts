/**
 * The sshd host fixture (test/helpers/sshd.ts) against a real OpenSSH server:
 * strict host key checking, the host going away and coming back, (in a
 * network namespace) its link being cut and mended, and logins that skip
 * root's shell startup files.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../../src/workers/process-group.js';
import {
  ensureSshd,
  netnsAvailable,
  startSshHost,
  type SshHost,
  type SshHostOptions,
} from '../helpers/sshd.js';
import { waitFor } from '../helpers/wait.js';

/** Generous: it bounds a hang on a loaded machine, nothing here is timed. */
const TEST_TIMEOUT_MS = 60_000;
/** How long an ssh client may take to notice its connection is gone. */
const CLIENT_EXIT_MS = 30_000;

const sshd = await ensureSshd();
const netns = sshd.ok ? netnsAvailable() : sshd;
if (!sshd.ok) console.warn(`skipping the sshd fixture tests: ${sshd.why}`);
else if (!netns.ok) console.warn(`skipping the network-namespace sshd tests: ${netns.why}`);

interface Session {
  client: ResultPromise<{ reject: false; timeout: number }>;
  /** The pid of the command on the host, once it has started. */
  remotePid: Promise<number>;
}

/** A long-running ssh session: the remote shell prints its pid, then becomes `sleep 60`. */
function openSession(host: SshHost, extraArgs: string[] = []): Session {
  const client = execa('ssh', [...extraArgs, ...host.sshArgs(), host.destination, 'echo $$; exec sleep 60'], {
    reject: false,
    timeout: CLIENT_EXIT_MS + TEST_TIMEOUT_MS / 2,
  });
  let output = '';
  client.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const remotePid = waitFor('the remote command to start', () => {
    const line = /^(\d+)\n/.exec(output);
    return line ? Number(line[1]) : undefined;
  });
  return { client, remotePid };
}

/** The client's result, once it has noticed its connection is gone (within CLIENT_EXIT_MS). */
async function exitOf(session: Session) {
  const { client } = session;
  await waitFor(
    'ssh to notice its connection is gone',
    () => (client.exitCode !== null || client.signalCode !== null ? true : undefined),
    CLIENT_EXIT_MS,
  );
  return client;
}

const kinds: { kind: string; options: SshHostOptions; available: typeof sshd }[] = [
  { kind: 'on a port of 127.0.0.1', options: { name: 'port' }, available: sshd },
  { kind: 'in a network namespace', options: { name: 'ns', netns: true }, available: netns },
];

for (const { kind, options, available } of kinds) {
  describe.skipIf(!available.ok)(`an sshd host ${kind}`, () => {
    let host: SshHost;
    beforeAll(async () => {
      host = await startSshHost(options);
    }, TEST_TIMEOUT_MS);
    afterAll(() => host?.stop());

    it(
      'runs a command for a client that checks its host key strictly',
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        expect(host.sshArgs()).toContain('StrictHostKeyChecking=yes');
        const result = await host.run('echo hi');
        expect(result).toMatchObject({ code: 0, stdout: 'hi' });
      },
    );

    it(
      'is refused by a client that knows another key for its address',
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        // ssh keeps the first value it is given for an option, so this one wins over sshArgs'.
        const wrong = ['-o', `UserKnownHostsFile=${host.wrongKnownHostsFile()}`];
        const result = await execa('ssh', [...wrong, ...host.sshArgs(), host.destination, 'echo hi'], {
          reject: false,
          stdin: 'ignore',
        });
        expect(result.exitCode).toBe(255);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
      },
    );

    it(
      'drops an open session when sshd is killed, and takes logins again once restarted',
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        const session = openSession(host);
        const remotePid = await session.remotePid;

        await host.killSshd();
        const exit = await exitOf(session);
        expect(exit.exitCode).toBe(255);
        // The host went away with everything on it.
        expect(processAlive(remotePid)).toBe(false);
        expect((await host.run('true', { timeoutMs: 20_000 })).code).toBe(255);

        await host.restart();
        expect(await host.run('echo back')).toMatchObject({ code: 0, stdout: 'back' });
      },
    );
  });
}

describe.skipIf(!netns.ok)('an sshd host whose link is cut', () => {
  let host: SshHost;
  beforeAll(async () => {
    host = await startSshHost({ name: 'link', netns: true });
  }, TEST_TIMEOUT_MS);
  afterAll(() => host?.stop());

  it(
    'loses a keepalive session when the link drops, and takes logins once it is back',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const session = openSession(host, ['-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=2']);
      const remotePid = await session.remotePid;

      await host.dropLink();
      const exit = await exitOf(session);
      expect(exit.exitCode).toBe(255);
      expect(exit.stderr).toMatch(/Timeout, server .* not responding/);
      // Unlike a killed sshd, a cut link leaves the host's processes running.
      expect(processAlive(remotePid)).toBe(true);

      await host.restoreLink();
      expect(await host.run('echo back')).toMatchObject({ code: 0, stdout: 'back' });
    },
  );

  it('refuses dropLink on a host without a namespace', { timeout: TEST_TIMEOUT_MS }, async () => {
    const plain = await startSshHost({ name: 'plain' });
    try {
      await expect(plain.dropLink()).rejects.toThrow(/netns: true/);
    } finally {
      await plain.stop();
    }
  });

  it(
    'stop ends what runs on the host and removes its namespace and folder',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const doomed = await startSshHost({ name: 'stop', netns: true });
      const session = openSession(doomed);
      const remotePid = await session.remotePid;

      await doomed.stop();
      await doomed.stop(); // a second stop does nothing
      await exitOf(session);
      expect(processAlive(remotePid)).toBe(false);
      expect(fs.existsSync(doomed.dir)).toBe(false);
      // This machine's end of the link held the address just below the host's.
      const hostSide = doomed.address.replace(/\d+$/, (last) => String(Number(last) - 1));
      expect(execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' })).not.toContain(
        `${hostSide}/30`,
      );
    },
  );
});

describe.skipIf(!sshd.ok)('an sshd host with bareLogin', () => {
  it(
    "runs commands without root's shell startup files, and leaves this machine's as they are",
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const rc = path.join(os.userInfo().homedir, '.bashrc');
      const before = fs.existsSync(rc) ? fs.readFileSync(rc) : undefined;
      const bare = await startSshHost({ name: 'bare', bareLogin: true });
      try {
        const seen = await bare.run(
          'if [ -e "$HOME/.bashrc" ]; then wc -c < "$HOME/.bashrc"; else echo none; fi',
        );
        expect(seen).toMatchObject({ code: 0, stdout: before === undefined ? 'none' : '0' });
      } finally {
        await bare.stop();
      }
      expect(fs.existsSync(rc) ? fs.readFileSync(rc) : undefined).toEqual(before);
    },
  );
});
