/**
 * `gaffer doctor` on worker hosts: real OpenSSH servers on this machine
 * (test/helpers/sshd.ts), each checked over one plain ssh connection with the
 * options of a run: a good host, host keys unknown and changed, an agent the
 * host's PATH lacks, a port nothing listens on, and the CLI's exit code.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSchema, HostSchema, type HostConfig } from '../../src/config/schema.js';
import { ExitCode } from '../../src/errors.js';
import { checkHost } from '../../src/hosts/host-doctor.js';
import { expectRefusal, makeTempDir, removeTempDir, runCli, useSandbox } from '../helpers/cli.js';
import { ensureSshd, startSshHost, type SshHost } from '../helpers/sshd.js';
import { doctorWith, FAKE_CLAUDE } from '../cli/doctor-fixture.js';

const sshd = await ensureSshd();
if (!sshd.ok) console.warn(`skipping the host doctor tests: ${sshd.why}`);

let host: SshHost;

beforeAll(async () => {
  if (!sshd.ok) return;
  host = await startSshHost({ name: 'doc' });
}, 120_000);

afterAll(async () => {
  await host?.stop();
});

function hostConfig(extra: Record<string, unknown> = {}): HostConfig {
  return HostSchema.parse({ ...host.configEntry('build-1'), ...extra });
}

const scripted = AgentSchema.parse({ kind: 'scripted' });

/** A port of 127.0.0.1 that nothing listens on (taken, then given back). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(!sshd.ok)('gaffer doctor: worker hosts', () => {
  it('a good host: reachable by key with its key known, git and the agent with versions, the free space', async () => {
    const lines = await checkHost(hostConfig(), scripted);

    const nodeVersion = process.version.slice(1);
    expect(lines).toEqual([
      {
        level: 'ok',
        text: `host build-1 (${host.destination} port ${host.port}): reachable, key accepted, host key known`,
      },
      {
        level: 'ok',
        text: expect.stringMatching(
          new RegExp(`^host build-1: git version \\d+\\.\\d+\\S*; agent ${process.execPath} ${nodeVersion}$`),
        ) as unknown,
      },
      {
        level: expect.stringMatching(/^(ok|warn)$/) as unknown,
        text: expect.stringMatching(
          new RegExp(`^host build-1: (only )?\\d+\\.\\d GiB free in ${host.dir}/work`),
        ) as unknown,
      },
    ]);
    expect(fs.statSync(path.join(host.dir, 'work')).isDirectory()).toBe(true);
  });

  it('with forwardAgent on, warns that the host can use the keys', async () => {
    const lines = await checkHost(hostConfig({ forwardAgent: true }), scripted);

    expect(lines.filter((line) => line.level === 'fail')).toEqual([]);
    expect(lines.at(-1)).toEqual({
      level: 'warn',
      text: expect.stringMatching(/^host build-1: forwardAgent is on: .*ssh-agent/) as unknown,
    });
  });

  it('a host not in known_hosts fails with the ssh-keyscan command that adds its key', async () => {
    const dir = makeTempDir();
    try {
      const empty = path.join(dir, 'known_hosts');
      fs.writeFileSync(empty, '');

      const lines = await checkHost(hostConfig({ knownHostsFile: empty }), scripted);

      expect(lines).toEqual([
        {
          level: 'fail',
          text: expect.stringContaining(
            `is not in known_hosts, and gaffer never accepts a host key on the fly: add it with ssh-keyscan -p ${host.port} ${host.address} >> ${empty}`,
          ) as unknown,
        },
      ]);
      expect(fs.readFileSync(empty, 'utf8')).toBe('');
    } finally {
      removeTempDir(dir);
    }
  });

  it('a host whose key does not match known_hosts is refused', async () => {
    const lines = await checkHost(hostConfig({ knownHostsFile: host.wrongKnownHostsFile() }), scripted);

    expect(lines).toEqual([
      {
        level: 'fail',
        text: expect.stringMatching(
          /^host build-1 \(.*\) offered a host key that does not match known_hosts: refused; .*ssh-keyscan/,
        ) as unknown,
      },
    ]);
  });

  it("an agent only this machine has fails on the host, with the host's PATH and the fix", async () => {
    const bin = makeTempDir();
    const pathBefore = process.env.PATH;
    try {
      const agentFile = path.join(bin, 'gaffer-doctor-test-agent');
      fs.writeFileSync(agentFile, '#!/bin/sh\necho 1.0.0\n', { mode: 0o755 });
      process.env.PATH = `${bin}${path.delimiter}${pathBefore ?? ''}`;
      const agent = AgentSchema.parse({ kind: 'command', command: 'gaffer-doctor-test-agent' });

      const lines = await checkHost(hostConfig({ env: { PATH: '/usr/local/bin:/usr/bin:/bin' } }), agent);

      expect(lines.filter((line) => line.level === 'fail')).toEqual([
        {
          level: 'fail',
          text: `host build-1 has no agent command "gaffer-doctor-test-agent" on its PATH (/usr/local/bin:/usr/bin:/bin): install it there, or set PATH in the host's env`,
        },
      ]);
      expect(lines[1]).toEqual({
        level: 'ok',
        text: expect.stringMatching(/^host build-1: git version \S+$/) as unknown,
      });
    } finally {
      process.env.PATH = pathBefore;
      removeTempDir(bin);
    }
  });

  it('a workdir that cannot be made fails with the fix', async () => {
    const file = path.join(host.dir, 'a-file');
    fs.writeFileSync(file, '');

    const lines = await checkHost(hostConfig({ workdir: `${file}/work` }), scripted);

    expect(lines.at(-1)).toEqual({
      level: 'fail',
      text: `host build-1 cannot make or write its workdir ${file}/work: create it writable by the ssh user there, or set another workdir`,
    });
  });

  it("an agent whose --version never ends is killed on the host at the bound: a warning, the host's other lines intact", async () => {
    // It leaves a child behind holding its output: the session must still end.
    const hanging = path.join(host.dir, 'hanging-claude');
    fs.writeFileSync(hanging, '#!/bin/sh\nsleep 30 &\nexec sleep 30\n', { mode: 0o755 });
    const agent = AgentSchema.parse({ kind: 'claude', command: hanging });
    const started = performance.now();

    const lines = await checkHost(hostConfig(), agent, { versionTimeoutMs: 2_000 });

    expect(performance.now() - started).toBeLessThan(25_000);
    expect(lines[1]).toEqual({
      level: 'warn',
      text: expect.stringMatching(
        new RegExp(
          `^host build-1: git version \\S+; agent ${hanging} \\(\`${hanging} --version\` did not answer within 2 s\\)$`,
        ),
      ) as unknown,
    });
    expect(lines.filter((line) => line.level === 'fail')).toEqual([]);
  });

  it('a port nothing listens on fails as a host that cannot be reached', async () => {
    const port = await closedPort();

    const lines = await checkHost(hostConfig({ port }), scripted);

    expect(lines).toEqual([
      {
        level: 'fail',
        text: expect.stringMatching(
          new RegExp(
            `^host build-1 \\(${host.destination} port ${port}\\) cannot be reached: .*Connection refused`,
          ),
        ) as unknown,
      },
    ]);
  });

  describe('the CLI', () => {
    const sandbox = useSandbox();

    it('exits 16 naming the failing host and that a run would skip it; the good host passes', async () => {
      const dir = makeTempDir();
      try {
        const empty = path.join(dir, 'known_hosts');
        fs.writeFileSync(empty, '');
        const good = { ...hostConfig(), name: 'good-1' };
        const bad = { ...hostConfig({ knownHostsFile: empty }), name: 'new-1' };
        sandbox().writeConfig({ hosts: [good, bad] });

        const result = await runCli(['doctor', '--config', sandbox().configPath], { cwd: sandbox().root });

        expectRefusal(result, ExitCode.hostUnusable, [
          `host new-1 (${host.destination}) is not in known_hosts`,
          `ssh-keyscan -p ${host.port} ${host.address} >> ${empty}`,
          '`gaffer run` would skip host new-1: fix it; then run `gaffer doctor` again',
        ]);
        expect(result.stderr).not.toContain('good-1');
        expect(result.stdout).toContain(
          `ok  host good-1 (${host.destination} port ${host.port}): reachable, key accepted, host key known\n`,
        );
        expect(result.stdout).toMatch(/^ok {2}host good-1: git version /m);
        expect(result.stdout).toMatch(/^FAIL host new-1 \(.*\) is not in known_hosts/m);
      } finally {
        removeTempDir(dir);
      }
    });

    it("with the agent not logged in too, keeps the agent's exit 15 and says the host's failure as well", async () => {
      const home = makeTempDir();
      try {
        const empty = path.join(home, 'known_hosts');
        fs.writeFileSync(empty, '');
        sandbox().writeConfig({
          agent: { kind: 'claude', command: FAKE_CLAUDE },
          hosts: [{ ...hostConfig({ knownHostsFile: empty }), name: 'new-1' }],
        });

        const result = await doctorWith(sandbox(), home);

        expectRefusal(result, ExitCode.agentAuth, [
          /^gaffer: agent claude: not logged in: .*; also host new-1 \(.*\) is not in known_hosts, .*`gaffer run` would skip host new-1: fix it; then run `gaffer doctor` again$/m,
        ]);
      } finally {
        removeTempDir(home);
      }
    });
  });
});
