/**
 * Real OpenSSH servers on this machine, one per test "host": each its own
 * sshd with its own host key, reached as root with a key pair of its own and
 * checked against a known_hosts file of its own, so nothing reads or writes
 * ~/.ssh. A host listens on 127.0.0.1 at a free port, or (`netns: true`) on
 * port 22 inside a network namespace whose link can be cut. What runs on a
 * host runs on this machine, as root.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import which from 'which';
import { processTable } from '../../bench/chaos/processes.js';
import { processAlive } from '../../src/workers/process-group.js';
import { NetnsLink } from './netns.js';
import { waitFor } from './wait.js';

export { netnsAvailable } from './netns.js';

export type Availability = { ok: true } | { ok: false; why: string };

const SSHD = '/usr/sbin/sshd';
/** Bounds a hang only: a loaded machine can take seconds to fork sshd and finish a key exchange. */
const READY_DEADLINE_MS = 30_000;
const READY_POLL_MS = 100;
/** Waiting for another test process's apt-get, then running our own. */
const INSTALL_TIMEOUT_MS = 600_000;
/** Free ports picked on 127.0.0.1 that were taken again before sshd bound them. */
const PORT_TRIES = 5;

let sshdAvailability: Promise<Availability> | undefined;

/**
 * Whether sshd hosts can run here, installing openssh-server (and iproute2,
 * for namespaces) with apt-get if missing. Test files in parallel workers
 * take turns through a lock file, so apt runs once. Asked once per process.
 */
export function ensureSshd(): Promise<Availability> {
  sshdAvailability ??= findOrInstallSshd();
  return sshdAvailability;
}

async function findOrInstallSshd(): Promise<Availability> {
  if (process.platform !== 'linux') return { ok: false, why: 'sshd hosts need Linux' };
  if (process.getuid?.() !== 0) return { ok: false, why: 'sshd hosts need root (they log in as root)' };
  const missing = [
    ...(sshdToolsPresent() ? [] : ['openssh-server']),
    ...(which.sync('ip', { nothrow: true }) === null ? ['iproute2'] : []),
  ];
  if (missing.length > 0) {
    // Under the lock, another worker may have installed them already: apt-get then has nothing to do.
    const apt = `apt-get update -qq && apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`;
    const lock = path.join(os.tmpdir(), 'gaffer-test-apt.lock');
    const install = await execa('flock', [lock, 'sh', '-c', apt], {
      reject: false,
      all: true,
      stdin: 'ignore',
      timeout: INSTALL_TIMEOUT_MS,
      env: { DEBIAN_FRONTEND: 'noninteractive' },
    });
    // Without iproute2 only the namespace hosts are lost; netnsAvailable() says so.
    if (!sshdToolsPresent()) {
      const output = (install.all ?? '').trim().split('\n').slice(-5).join('\n');
      const why = install.failed
        ? `\`${apt}\` failed: ${install.shortMessage}\n${output}`
        : `apt-get installed ${missing.join(' ')}, yet ${SSHD}, ssh or ssh-keygen is still missing`;
      return { ok: false, why };
    }
  }
  return { ok: true };
}

function sshdToolsPresent(): boolean {
  return (
    fs.existsSync(SSHD) && ['ssh', 'ssh-keygen'].every((tool) => which.sync(tool, { nothrow: true }) !== null)
  );
}

export interface SshHostOptions {
  /** Run sshd in a network namespace of its own, so its link can be dropped. */
  netns?: boolean;
  /** Goes into the temp folder's name, to tell hosts apart when debugging. */
  name?: string;
  /**
   * Logins skip root's own shell startup files (~/.bashrc and the like), as
   * on a host whose rc files return at once for a non-interactive shell:
   * sshd runs in a mount namespace of its own where each is an empty file.
   * bash reads ~/.bashrc for every command sshd runs, so a slow one (a
   * version manager's init) is paid by every session; this machine's files
   * are left as they are.
   */
  bareLogin?: boolean;
}

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Starts a host and waits until it accepts a real ssh login. Call stop() when done. */
export function startSshHost(options: SshHostOptions = {}): Promise<SshHost> {
  return SshHost.start(options);
}

class SshHost {
  readonly user = 'root';
  readonly dir: string;
  readonly identityFile: string;
  readonly knownHostsFile: string;
  private hostAddress = '127.0.0.1';
  private hostPort = 0;
  private link: NetnsLink | undefined;
  private sshd: { process: ResultPromise; exited: boolean } | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    name: string | undefined,
    private readonly bareLogin: boolean,
  ) {
    // Short: ssh's ControlPath sockets may be put beside it, and socket paths are limited to ~104 bytes.
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), name === undefined ? 'gsh-' : `gsh-${name}-`));
    this.identityFile = path.join(this.dir, 'client_key');
    this.knownHostsFile = path.join(this.dir, 'known_hosts');
  }

  static async start(options: SshHostOptions): Promise<SshHost> {
    const host = new SshHost(options.name, options.bareLogin === true);
    try {
      await host.boot(options.netns === true);
    } catch (error) {
      await host.stop(); // whatever was made before the failure
      throw error;
    }
    return host;
  }

  get address(): string {
    return this.hostAddress;
  }

  get port(): number {
    return this.hostPort;
  }

  get destination(): string {
    return `${this.user}@${this.address}`;
  }

  /** This host as an entry of gaffer's config `hosts` (its workdir under the host's temp folder unless given). */
  configEntry(name: string, workdir = path.join(this.dir, 'work')) {
    return {
      name,
      ssh: this.destination,
      port: this.port,
      identityFile: this.identityFile,
      knownHostsFile: this.knownHostsFile,
      workdir,
    };
  }

  /** Options for `ssh` to reach this host, strictly checking its key and reading no ssh config. */
  sshArgs(): string[] {
    return [
      '-F',
      '/dev/null',
      '-p',
      String(this.port),
      '-i',
      this.identityFile,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      `UserKnownHostsFile=${this.knownHostsFile}`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
    ];
  }

  /** Runs `command` on the host over a plain ssh connection; never rejects, whatever the exit code. */
  async run(command: string, options: { timeoutMs?: number } = {}): Promise<SshResult> {
    const result = await execa('ssh', [...this.sshArgs(), this.destination, command], {
      reject: false,
      stdin: 'ignore',
      timeout: options.timeoutMs ?? 60_000,
    });
    return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  /**
   * A known_hosts file naming this host's address with some other ed25519
   * key, as if the host had been replaced. Returns its path.
   */
  wrongKnownHostsFile(): string {
    const spki = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
    // The raw key is the SPKI's last 32 bytes; ssh wants it in its own wire format.
    const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(spki.subarray(-32))]);
    const file = path.join(this.dir, 'wrong_known_hosts');
    fs.writeFileSync(
      file,
      `${knownHostsName(this.address, this.port)} ssh-ed25519 ${blob.toString('base64')}\n`,
    );
    return file;
  }

  /**
   * The host goes away: SIGKILL to sshd and everything under it (the
   * per-connection sshds and the commands they run; in a namespace, every
   * process in it). Resolves once they are dead; open connections have
   * been closed by then.
   */
  async killSshd(): Promise<void> {
    const sshd = this.sshd;
    this.sshd = undefined;
    // Once sshd has exited its pid may be reused: it is not ours to signal.
    const pid = sshd?.exited === false ? sshd.process.pid : undefined;
    await killTrees([...(pid === undefined ? [] : [pid]), ...(this.link?.pids() ?? [])]);
    await sshd?.process;
  }

  /** Starts sshd again on the same address, port and keys (killing it first if it runs), once it accepts logins. */
  async restart(): Promise<void> {
    await this.killSshd();
    const failure = await this.launchSshd();
    if (failure !== undefined)
      throw new Error(`sshd did not restart on ${this.address}:${this.port}: ${failure}`);
  }

  /** Cuts the network between this machine and the host (see NetnsLink.drop); netns hosts only. */
  async dropLink(): Promise<void> {
    await this.requireLink('dropLink').drop();
  }

  async restoreLink(): Promise<void> {
    await this.requireLink('restoreLink').restore();
  }

  /** Kills sshd and what it runs, removes the namespace and the temp folder. Safe to call twice, or after a failed start. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      try {
        await this.killSshd();
        this.link?.remove();
      } finally {
        fs.rmSync(this.dir, { recursive: true, force: true });
      }
    })();
    return this.stopping;
  }

  private async boot(netns: boolean): Promise<void> {
    const hostKey = path.join(this.dir, 'host_key');
    await Promise.all(
      [hostKey, this.identityFile].map((key) =>
        execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', key]),
      ),
    );
    fs.copyFileSync(`${this.identityFile}.pub`, path.join(this.dir, 'authorized_keys'));
    // sshd's privilege separation needs this folder; the openssh-server package makes it only when its service starts.
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    if (netns) {
      this.link = NetnsLink.create();
      this.hostAddress = this.link.innerAddress;
      this.hostPort = 22; // the namespace has all its ports to itself
      this.configure(hostKey);
      const failure = await this.launchSshd();
      if (failure !== undefined) throw new Error(`sshd did not start in ${this.link.namespace}: ${failure}`);
      return;
    }
    let failure: string | undefined;
    for (let tries = 0; tries < PORT_TRIES; tries++) {
      this.hostPort = await freePort(this.address);
      this.configure(hostKey);
      failure = await this.launchSshd();
      if (failure === undefined) return;
      // Someone else took the port between our probe and sshd's bind: pick another.
      if (!failure.includes('Address already in use')) break;
    }
    throw new Error(`sshd did not start on ${this.address}: ${failure}`);
  }

  private configure(hostKey: string): void {
    const config = [
      `Port ${this.port}`,
      `ListenAddress ${this.address}`,
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${path.join(this.dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      // The temp folder's owner and modes are not what sshd expects of a home folder.
      'StrictModes no',
      'UsePAM no',
      `PidFile ${path.join(this.dir, 'sshd.pid')}`,
      // Tests open many connections at once (ControlMaster sessions, parallel attempts).
      'MaxSessions 64',
      'MaxStartups 100:30:200',
      'AllowAgentForwarding no',
      'LogLevel ERROR',
    ];
    fs.writeFileSync(path.join(this.dir, 'sshd_config'), `${config.join('\n')}\n`);
    const hostKeyLine = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim();
    fs.writeFileSync(this.knownHostsFile, `${knownHostsName(this.address, this.port)} ${hostKeyLine}\n`);
  }

  /** Runs sshd and waits until a real login works; undefined then, else why not (with sshd's log). */
  private async launchSshd(): Promise<string | undefined> {
    const log = path.join(this.dir, 'sshd.log');
    fs.writeFileSync(log, '');
    // sshd re-executes itself per connection, so it must be named by its absolute path.
    const sshdCommand = [SSHD, '-D', '-f', path.join(this.dir, 'sshd_config'), '-E', log];
    const command = this.bareLogin ? withoutStartupFiles(sshdCommand) : sshdCommand;
    const [file, ...args] = this.link?.exec(command) ?? command;
    const sshd = { process: execa(file ?? SSHD, args, { reject: false, stdio: 'ignore' }), exited: false };
    this.sshd = sshd;
    void sshd.process.finally(() => {
      sshd.exited = true;
    });
    const deadline = Date.now() + READY_DEADLINE_MS;
    for (;;) {
      const login = await this.run('true', { timeoutMs: 15_000 });
      if (login.code === 0) return undefined;
      if (sshd.exited) {
        this.sshd = undefined;
        return `sshd exited: ${fs.readFileSync(log, 'utf8').trim()}`;
      }
      if (Date.now() > deadline) {
        await this.killSshd();
        return `no login within ${READY_DEADLINE_MS} ms; ssh said: ${login.stderr.trim()}; sshd logged: ${fs.readFileSync(log, 'utf8').trim()}`;
      }
      await sleep(READY_POLL_MS);
    }
  }

  private requireLink(method: string): NetnsLink {
    if (this.link === undefined) throw new Error(`${method} needs a host started with { netns: true }`);
    return this.link;
  }
}

export type { SshHost };

/** Shell startup files a command run by sshd may read: bash's ~/.bashrc, zsh's ~/.zshenv, and the login ones. */
const STARTUP_FILES = ['.bashrc', '.zshenv', '.profile', '.bash_profile', '.bash_login'];

/**
 * `command` run in a mount namespace of its own where root's startup files
 * are /dev/null (a private namespace: nothing outside it sees the mounts).
 * unshare and sh exec, so the command keeps the pid killSshd signals.
 */
function withoutStartupFiles(command: readonly string[]): string[] {
  const home = os.userInfo().homedir;
  const files = STARTUP_FILES.map((file) => path.join(home, file));
  const script = `for rc in ${files.map((file) => `'${file}'`).join(' ')}; do if [ -f "$rc" ]; then mount --bind /dev/null "$rc" || exit 1; fi; done; exec "$@"`;
  return ['unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', script, 'sshd', ...command];
}

/** The host's name as ssh writes it in known_hosts: bare on port 22, else `[address]:port`. */
function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** A length-prefixed string of the SSH wire format (RFC 4251). */
function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** A port free on `address` just now (the kernel picks it); the caller retries if someone takes it first. */
function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * SIGKILLs each root and its descendants and waits until they are dead (a
 * zombie counts: its sockets are closed, so their peers have been told).
 * Everything is stopped first, so no process forks a child we have not seen,
 * nor dies and lets its children be re-parented out of reach, before the kill.
 */
async function killTrees(roots: number[]): Promise<void> {
  const stopped = new Set<number>();
  for (let found = roots; found.length > 0;) {
    for (const pid of found) {
      signal(pid, 'SIGSTOP');
      stopped.add(pid);
    }
    const children = childrenByParent();
    found = [...stopped].flatMap((pid) => children.get(pid) ?? []).filter((pid) => !stopped.has(pid));
  }
  for (const pid of stopped) signal(pid, 'SIGKILL');
  await waitFor('the killed sshd and its processes to end', () =>
    [...stopped].some(processAlive) ? undefined : true,
  );
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** Every live process's children, by parent pid. */
function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of processTable()) {
    const siblings = children.get(ppid);
    if (siblings === undefined) children.set(ppid, [pid]);
    else siblings.push(pid);
  }
  return children;
}
