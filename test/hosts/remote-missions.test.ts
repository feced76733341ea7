/**
 * Missions whose attempts run on worker hosts: real OpenSSH servers on this
 * machine (each with its own host key, client key and known_hosts; one in a
 * network namespace of its own, so its link can be dropped), the scripted
 * agent as the agent, real git on both ends.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import type { GafferEvent } from '../../src/events/types.js';
import { remoteMarkPrefix } from '../../src/hosts/remote-host.js';
import { processAlive } from '../../src/workers/process-group.js';
import { ensureSshd, netnsAvailable, startSshHost, type SshHost } from '../helpers/sshd.js';
import { waitFor } from '../helpers/wait.js';
import { cleanup, filesOn, git, makeRepo, runMission, writes } from '../integration/mission-fixture.js';

const sshd = await ensureSshd();
if (!sshd.ok) console.warn(`skipping the worker host missions: ${sshd.why}`);
const netns = sshd.ok ? netnsAvailable() : sshd;
if (sshd.ok && !netns.ok) console.warn(`skipping the dropped-link test: ${netns.why}`);

let hostA: SshHost;
let hostB: SshHost | undefined;
const repos: string[] = [];

beforeAll(async () => {
  if (!sshd.ok) return;
  hostA = await startSshHost({ name: 'a' });
  if (netns.ok) hostB = await startSshHost({ name: 'b', netns: true });
}, 120_000);

afterAll(async () => {
  await hostA?.stop();
  await hostB?.stop();
  for (const repo of repos) cleanup(repo);
});

function hostConfig(host: SshHost, name: string, extra: Record<string, unknown> = {}) {
  return {
    ...host.configEntry(name),
    slots: 2,
    aliveIntervalSec: 1,
    aliveCountMax: 2,
    ...extra,
  };
}

function newRepo(): string {
  const repo = makeRepo();
  repos.push(repo);
  return repo;
}

/** Processes of this machine whose environment carries a mark of the state folder's attempts. */
function markedProcesses(stateDir: string): number[] {
  const needle = Buffer.from(`GAFFER_REMOTE_MARK=${remoteMarkPrefix(stateDir)}`);
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/environ`).includes(needle)) found.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found.filter((pid) => processAlive(pid));
}

function startedOn(events: readonly GafferEvent[]): Map<string, string[]> {
  const hosts = new Map<string, string[]>();
  for (const event of events) {
    if (event.type !== 'attempt:started') continue;
    hosts.set(event.payload.unitId, [...(hosts.get(event.payload.unitId) ?? []), event.payload.host ?? '?']);
  }
  return hosts;
}

describe.skipIf(!sshd.ok)('a mission across worker hosts', () => {
  it('spreads the work over two hosts and a local slot, brings the commits back, and green moves only to verified commits', async () => {
    const repo = newRepo();
    const hosts: ConfigInput['hosts'] = [hostConfig(hostA, 'alpha')];
    if (hostB) hosts.push(hostConfig(hostB, 'beta'));
    const names = ['u1', 'u2', 'u3', 'u4', 'u5'];
    const { result, events, config } = await runMission(
      repo,
      {
        units: [
          ...names.map((id) => ({ id, title: id, prompt: `@sleep 1500\n${writes(id)}` })),
          // Its commit breaks the check: it must never reach green.
          { id: 'bad', title: 'bad', prompt: `@sleep 1500\n${writes('bad', 'BROKEN')}` },
        ],
      },
      { local: { slots: 1 }, hosts, rounds: { max: 1 }, maxAttempts: 1 },
    );
    try {
      const placed = startedOn(events);
      const used = new Set([...placed.values()].flat());
      expect(used).toContain('local');
      expect(used).toContain('alpha');
      if (hostB) expect(used).toContain('beta');
      for (const id of names) expect(result.store.units.get(result.runId, id)?.status).toBe('done');
      expect(result.store.units.get(result.runId, 'bad')?.status).toBe('failed');
      expect(filesOn(repo, 'gaffer/green')).toEqual([...names.map((id) => `${id}.txt`), 'base.txt'].sort());
      // Every commit green was ever moved to passed its checks as a candidate first.
      const verified = new Set(
        events.flatMap((event) =>
          event.type === 'health:snapshot' && event.payload.passed ? [event.payload.commit] : [],
        ),
      );
      const greenMoves = events.flatMap((event) =>
        event.type === 'branch:promoted' && event.payload.role === 'green' ? [event.payload.to] : [],
      );
      expect(greenMoves.length).toBeGreaterThan(1);
      for (const commit of greenMoves) expect(verified).toContain(commit);
      // A remote attempt's output is in its log like a local one's.
      const remote = result.store.attempts
        .forRun(result.runId)
        .find((attempt) => attempt.worktree.startsWith('alpha:'));
      expect(remote).toBeDefined();
      const log = fs.readFileSync(remote?.log_path ?? '', 'utf8');
      expect(log).toContain('on host alpha');
      expect(log).toMatch(/\[agent\] writing files\/u\d\.txt/);
      expect(markedProcesses(config.stateDir)).toEqual([]);
    } finally {
      result.store.close();
    }
  }, 180_000);

  it('ends a remote agent that ignores SIGTERM at its timeout, and whatever it started, on the host', async () => {
    const repo = newRepo();
    const pidFile = path.join(repo, '..', `setsid-${path.basename(repo)}.pid`);
    const { result, config } = await runMission(
      repo,
      {
        units: [
          {
            id: 'stuck',
            title: 'hangs',
            prompt: `@spawn-orphan 120000\n@setsid-orphan 120000 ${pidFile}\n@hang`,
            timeoutMs: 8000,
          },
        ],
      },
      {
        local: { slots: 0 },
        hosts: [hostConfig(hostA, 'alpha')],
        rounds: { max: 1 },
        maxAttempts: 1,
        killGraceMs: 300,
      },
    );
    try {
      const [attempt] = result.store.attempts.forRun(result.runId);
      expect(attempt).toMatchObject({ outcome: 'timed-out' });
      expect(attempt?.worktree.startsWith('alpha:')).toBe(true);
      const log = fs.readFileSync(attempt?.log_path ?? '', 'utf8');
      const orphan = Number(/ORPHAN_PID (\d+)/.exec(log)?.[1]);
      expect(orphan).toBeGreaterThan(0);
      const escaped = Number(fs.readFileSync(pidFile, 'utf8'));
      expect(escaped).toBeGreaterThan(0);
      // The agent said it ignores SIGTERM: only the SIGKILL after the grace ended it.
      expect(log).toContain('ignoring SIGTERM');
      await waitFor(
        'the orphans to end',
        () => (!processAlive(orphan) && !processAlive(escaped)) || undefined,
        30_000,
      );
      expect(markedProcesses(config.stateDir)).toEqual([]);
    } finally {
      result.store.close();
      fs.rmSync(pidFile, { force: true });
    }
  }, 120_000);

  it('refuses a host whose key does not match known_hosts, and one it does not know, with the command that adds it; the work runs elsewhere', async () => {
    const repo = newRepo();
    const unknown = path.join(hostA.dir, 'empty_known_hosts');
    fs.writeFileSync(unknown, '');
    const wrong = hostA.wrongKnownHostsFile();
    const { result, events } = await runMission(
      repo,
      { units: [{ id: 'one', title: 'one', prompt: writes('one') }] },
      {
        local: { slots: 1 },
        hosts: [
          hostConfig(hostA, 'changed', { knownHostsFile: wrong }),
          hostConfig(hostA, 'stranger', { knownHostsFile: unknown }),
        ],
        rounds: { max: 1 },
      },
    );
    try {
      const down = new Map(
        events.flatMap((event) =>
          event.type === 'host:state' && event.payload.state === 'down'
            ? [[event.payload.host, event.payload.reason ?? ''] as const]
            : [],
        ),
      );
      expect(down.get('changed')).toMatch(/does not match known_hosts: refused/);
      expect(down.get('changed')).toContain(`ssh-keygen -R '[${hostA.address}]:${hostA.port}' -f ${wrong}`);
      expect(down.get('stranger')).toMatch(/not in known_hosts/);
      expect(down.get('stranger')).toContain(`ssh-keyscan -p ${hostA.port} ${hostA.address} >> ${unknown}`);
      expect(startedOn(events).get('one')).toEqual(['local']);
      expect(result.store.units.get(result.runId, 'one')?.status).toBe('done');
    } finally {
      result.store.close();
    }
  }, 120_000);

  it("skips a host without the agent's command, saying so, and runs the work on the others", async () => {
    const repo = newRepo();
    // An agent only this machine's PATH has: the host's PATH (its env) lacks its folder.
    const bin = fs.mkdtempSync(path.join(hostA.dir, 'bin-'));
    const agent = path.join(bin, 'gaffer-test-agent');
    fs.writeFileSync(
      agent,
      '#!/bin/sh\necho "$GAFFER_UNIT_ID" > "files/$GAFFER_UNIT_ID.txt" && git add -A && git commit -qm "$GAFFER_UNIT_ID"\n',
      { mode: 0o755 },
    );
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
    try {
      const { result, events } = await runMission(
        repo,
        { units: [{ id: 'one', title: 'one', prompt: 'write it' }] },
        {
          agent: { kind: 'command', command: 'gaffer-test-agent' },
          local: { slots: 1 },
          hosts: [hostConfig(hostA, 'bare', { env: { PATH: '/usr/local/bin:/usr/bin:/bin' } })],
          rounds: { max: 1 },
        },
      );
      try {
        const down = events.find((event) => event.type === 'host:state' && event.payload.state === 'down');
        expect(down?.payload).toMatchObject({ host: 'bare' });
        expect((down?.payload as { reason: string }).reason).toContain(
          'has no agent command "gaffer-test-agent" on its PATH',
        );
        expect(startedOn(events).get('one')).toEqual(['local']);
        expect(git(repo, 'show', 'gaffer/green:files/one.txt')).toBe('one');
      } finally {
        result.store.close();
      }
    } finally {
      process.env.PATH = savedPath;
    }
  }, 120_000);

  it('ends an attempt whose host was killed as infrastructure (no strike) and runs the unit on another host', async () => {
    const repo = newRepo();
    const victim = await startSshHost({ name: 'v' });
    try {
      const { result, events } = await runMission(
        repo,
        { units: [{ id: 'moved', title: 'moved', prompt: `@attempt 1 @hang\n${writes('moved')}` }] },
        {
          local: { slots: 0 },
          // Listed first: the first attempt goes there (a tie in load goes to the first).
          hosts: [hostConfig(victim, 'victim', { slots: 1 }), hostConfig(hostA, 'alpha', { slots: 1 })],
          rounds: { max: 1 },
          maxAttempts: 1,
        },
        {
          subscribe: (bus) =>
            bus.onAny((event) => {
              if (event.type === 'worker:output' && event.payload.line.includes('[agent] hanging'))
                void victim.killSshd();
            }),
        },
      );
      try {
        expect(startedOn(events).get('moved')).toEqual(['victim', 'alpha']);
        const [first, second] = result.store.attempts.forRun(result.runId);
        expect(first).toMatchObject({ outcome: 'error' });
        expect(first?.reason).toMatch(/its host victim was lost: .*; it runs again elsewhere/);
        expect(second).toMatchObject({ outcome: 'handed-off' });
        // maxAttempts is 1: the lost attempt cost no strike, or the unit would have failed.
        expect(result.store.units.get(result.runId, 'moved')).toMatchObject({ status: 'done', strikes: 0 });
        expect(
          events.some(
            (event) =>
              event.type === 'host:state' &&
              event.payload.host === 'victim' &&
              event.payload.state === 'down',
          ),
        ).toBe(true);
      } finally {
        result.store.close();
      }
    } finally {
      await victim.stop();
    }
  }, 120_000);

  it('a quit ends the remote agent and everything it started on the host, not just the local ssh client', async () => {
    const repo = newRepo();
    const quit = new AbortController();
    const { result, config } = await runMission(
      repo,
      { units: [{ id: 'long', title: 'long', prompt: '@spawn-orphan 120000\n@hang' }] },
      { local: { slots: 0 }, hosts: [hostConfig(hostA, 'alpha')], rounds: { max: 1 }, killGraceMs: 300 },
      {
        signal: quit.signal,
        subscribe: (bus) =>
          bus.onAny((event) => {
            if (event.type === 'worker:output' && event.payload.line.includes('[agent] hanging'))
              quit.abort();
          }),
      },
    );
    try {
      const [attempt] = result.store.attempts.forRun(result.runId);
      expect(attempt).toMatchObject({ outcome: 'killed' });
      const orphan = Number(/ORPHAN_PID (\d+)/.exec(fs.readFileSync(attempt?.log_path ?? '', 'utf8'))?.[1]);
      expect(orphan).toBeGreaterThan(0);
      expect(processAlive(orphan)).toBe(false);
      expect(markedProcesses(config.stateDir)).toEqual([]);
      // Stopped, not failed: the unit runs again when the run resumes.
      expect(result.store.units.get(result.runId, 'long')).toMatchObject({ status: 'pending', strikes: 0 });
    } finally {
      result.store.close();
    }
  }, 120_000);

  it('says once that a unit asks for a host nobody answers to, and runs the rest', async () => {
    const repo = newRepo();
    const { result, events } = await runMission(
      repo,
      {
        units: [
          { id: 'lost', title: 'lost', prompt: writes('lost'), host: 'nowhere' },
          { id: 'fine', title: 'fine', prompt: writes('fine'), host: 'big' },
        ],
      },
      { local: { slots: 1 }, hosts: [hostConfig(hostA, 'alpha', { labels: ['big'] })], rounds: { max: 2 } },
    );
    try {
      const said = events.filter(
        (event) => event.type === 'supervisor:warning' && event.payload.message.includes('"nowhere"'),
      );
      expect(said).toHaveLength(1);
      expect((said[0]?.payload as { message: string }).message).toContain(
        'lost asks for host "nowhere", which no configured host',
      );
      expect(startedOn(events).get('fine')).toEqual(['alpha']);
      expect(startedOn(events).has('lost')).toBe(false);
      expect(result.store.units.get(result.runId, 'fine')?.status).toBe('done');
      expect(result.store.units.get(result.runId, 'lost')?.status).toBe('pending');
    } finally {
      result.store.close();
    }
  }, 120_000);

  it.skipIf(!netns.ok)(
    'a dropped link ends the attempt as infrastructure; when the host is back, the agent it orphaned there is found by its mark and ended',
    async () => {
      const repo = newRepo();
      const linkHost = hostB as SshHost;
      const release = path.join(repo, '..', `release-${path.basename(repo)}`);
      let dropped = false;
      let restored = false;
      const { result, events, config } = await runMission(
        repo,
        {
          units: [
            // Any remote host: beta, listed first, takes the first attempt (a tie in load goes to the first).
            { id: 'cut', title: 'cut', prompt: `@attempt 1 @hang\n${writes('cut')}`, host: 'remote' },
            // Keeps the run going until the host is back, so its orphan is ended in this run.
            {
              id: 'later',
              title: 'later',
              prompt: `@wait-file ${release}\n${writes('later')}`,
              host: 'local',
            },
          ],
        },
        {
          local: { slots: 1 },
          hosts: [
            hostConfig(linkHost, 'beta', { slots: 1, labels: ['remote'] }),
            hostConfig(hostA, 'alpha', { slots: 1, labels: ['remote'] }),
          ],
          rounds: { max: 1 },
          maxAttempts: 1,
        },
        {
          subscribe: (bus) =>
            bus.onAny((event) => {
              if (
                !dropped &&
                event.type === 'worker:output' &&
                event.payload.unitId === 'cut' &&
                event.payload.line.includes('[agent] hanging')
              ) {
                dropped = true;
                void linkHost.dropLink();
              }
              if (
                event.type === 'host:state' &&
                event.payload.host === 'beta' &&
                event.payload.state === 'down' &&
                !restored
              ) {
                restored = true;
                void linkHost.restoreLink();
              }
              // The host is up again only after what it orphaned there was ended.
              if (
                restored &&
                event.type === 'host:state' &&
                event.payload.host === 'beta' &&
                event.payload.state === 'up'
              )
                fs.writeFileSync(release, '');
            }),
        },
      );
      try {
        const [first] = result.store.attempts
          .forRun(result.runId)
          .filter((attempt) => attempt.unit_id === 'cut');
        expect(first?.reason).toMatch(/its host beta was lost/);
        expect(startedOn(events).get('cut')?.[0]).toBe('beta');
        const attempts = result.store.attempts
          .forRun(result.runId)
          .map((row) => [row.unit_id, row.outcome, row.reason]);
        expect(result.store.units.get(result.runId, 'cut'), JSON.stringify(attempts)).toMatchObject({
          status: 'done',
          strikes: 0,
        });
        const ended = events.find(
          (event) =>
            event.type === 'supervisor:warning' && event.payload.message.startsWith('host beta: ended'),
        );
        expect((ended?.payload as { message: string } | undefined)?.message).toMatch(
          /ended [1-9]\d* process/,
        );
        expect(markedProcesses(config.stateDir)).toEqual([]);
      } finally {
        result.store.close();
        fs.rmSync(release, { force: true });
      }
    },
    180_000,
  );
});
