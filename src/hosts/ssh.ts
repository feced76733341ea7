/**
 * One OpenSSH connection per worker host, shared by everything gaffer does
 * there: a master (`ssh -M -N`) holds the connection and every command, git
 * push and fetch rides it as a multiplexed session through its control
 * socket. A session then costs a round trip, not a TCP and key exchange; the
 * user's ssh config, keys and known_hosts apply as they do by hand; and the
 * master's end is the one sign that the host is gone.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HostConfig } from '../config/schema.js';
import { runSupervised, type SupervisedResult } from '../workers/supervised-process.js';

/** How long the master may take to connect and authenticate before the host is called unreachable. */
const CONNECT_TIMEOUT_SEC = 15;
const CHECK_POLL_MS = 50;

/**
 * Options every ssh gaffer starts gets: never a prompt (no password, no
 * question about a new host key: strict checking, keys never learned on the
 * fly), no agent or X11 forwarding unless the host says so, keepalives that
 * notice a dead link.
 */
export function sshOptions(host: HostConfig): string[] {
  const options = [
    '-T',
    '-p',
    String(host.port),
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'UpdateHostKeys=no',
    '-o',
    'PasswordAuthentication=no',
    '-o',
    'KbdInteractiveAuthentication=no',
    '-o',
    `ForwardAgent=${host.forwardAgent ? 'yes' : 'no'}`,
    '-o',
    'ForwardX11=no',
    '-o',
    'ClearAllForwardings=yes',
    '-o',
    `ConnectTimeout=${CONNECT_TIMEOUT_SEC}`,
    '-o',
    `ServerAliveInterval=${host.aliveIntervalSec}`,
    '-o',
    `ServerAliveCountMax=${host.aliveCountMax}`,
    '-o',
    'LogLevel=ERROR',
  ];
  if (host.identityFile !== undefined) options.push('-i', host.identityFile, '-o', 'IdentitiesOnly=yes');
  if (host.knownHostsFile !== undefined)
    options.push('-o', `UserKnownHostsFile=${host.knownHostsFile}`, '-o', 'GlobalKnownHostsFile=/dev/null');
  return options;
}

/** The host part of `user@host`, for known_hosts advice. */
export function sshHostName(host: HostConfig): string {
  const at = host.ssh.lastIndexOf('@');
  return at === -1 ? host.ssh : host.ssh.slice(at + 1);
}

/** The command that adds the host's key to known_hosts, after its fingerprint is checked. */
export function addHostKeyCommand(host: HostConfig): string {
  const file = host.knownHostsFile ?? '~/.ssh/known_hosts';
  const port = host.port === 22 ? '' : ` -p ${host.port}`;
  return `ssh-keyscan${port} ${sshHostName(host)} >> ${file} (compare its fingerprint, \`ssh-keygen -lf\`, with the host's own first)`;
}

/** The command that removes the host's old key from the known_hosts file gaffer reads. */
function removeHostKeyCommand(host: HostConfig): string {
  const name = host.port === 22 ? sshHostName(host) : `[${sshHostName(host)}]:${host.port}`;
  return `ssh-keygen -R '${name}'${host.knownHostsFile === undefined ? '' : ` -f ${host.knownHostsFile}`}`;
}

/** Turns ssh's own words about a failed connection into what is wrong and what to do. */
export function describeSshFailure(host: HostConfig, stderr: string): string {
  const said = stderr.trim().split('\n').filter(Boolean).slice(-3).join(' ').slice(0, 400);
  if (
    /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed|host key for .* has changed/i.test(
      stderr,
    )
  ) {
    if (/No .* host key is known|Host key verification failed/i.test(stderr) && !/CHANGED/i.test(stderr))
      return `host ${host.name} (${host.ssh}) is not in known_hosts, and gaffer never accepts a host key on the fly: add it with ${addHostKeyCommand(host)}`;
    return `host ${host.name} (${host.ssh}) offered a host key that does not match known_hosts: refused; if the host was really reinstalled, remove the old key (${removeHostKeyCommand(host)}) and add the new one with ${addHostKeyCommand(host)}`;
  }
  if (/Permission denied/i.test(stderr))
    return `host ${host.name} (${host.ssh}) refused the key: authorize it in the host's ~/.ssh/authorized_keys${host.identityFile ? ` (identityFile ${host.identityFile})` : ' or set identityFile'}; gaffer never uses a password (${said})`;
  if (
    /Connection refused|timed out|No route to host|Could not resolve|Network is unreachable|Connection closed|Connection reset/i.test(
      stderr,
    )
  )
    return `host ${host.name} (${host.ssh} port ${host.port}) cannot be reached: ${said}`;
  return `host ${host.name} (${host.ssh} port ${host.port}): ssh failed${said ? `: ${said}` : ''}`;
}

/**
 * The folder of control sockets: short (a socket path holds about 100
 * bytes) and private, one per state folder.
 */
export function controlDir(stateDir: string): string {
  const key = createHash('sha256').update(path.resolve(stateDir)).digest('hex').slice(0, 10);
  return path.join(os.tmpdir(), `gaffer-ssh-${key}`);
}

export type ConnectionState = 'up' | 'down';

/** The master connection of one host. */
export class SshConnection {
  readonly socket: string;
  private master: Promise<SupervisedResult> | undefined;
  private stopMaster: AbortController | undefined;
  private masterStderr: string[] = [];
  private closing = false;

  constructor(
    readonly host: HostConfig,
    stateDir: string,
    /** Called once per lost connection, with why. */
    private readonly onLost: (reason: string) => void,
  ) {
    const dir = controlDir(stateDir);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.socket = path.join(dir, `${createHash('sha256').update(host.name).digest('hex').slice(0, 8)}.sock`);
  }

  /**
   * The options of a session over the master, never a connection of its
   * own: with the master gone, ssh would connect directly, and the proxy
   * command that a direct connection needs (and a session never uses) fails
   * at once instead.
   */
  private sessionOptions(): string[] {
    return [
      '-S',
      this.socket,
      '-o',
      'ControlMaster=no',
      '-o',
      'ProxyCommand=false',
      ...sshOptions(this.host),
    ];
  }

  clientArgs(): string[] {
    return [...this.sessionOptions(), this.host.ssh];
  }

  /** For git's push and fetch (GIT_SSH_COMMAND, run by a shell). */
  gitSshCommand(): string {
    return ['ssh', ...this.sessionOptions()].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
  }

  /** An ssh URL of a path on the host, for git. */
  url(remotePath: string): string {
    const at = this.host.ssh.lastIndexOf('@');
    const user = at === -1 ? '' : `${this.host.ssh.slice(0, at)}@`;
    const name = sshHostName(this.host);
    const hostPart = name.includes(':') ? `[${name}]` : name;
    return `ssh://${user}${hostPart}:${this.host.port}${remotePath}`;
  }

  /** Opens the master; resolves when sessions can use it, or throws why the host cannot be used. */
  async connect(signal?: AbortSignal): Promise<void> {
    if (this.master !== undefined) return;
    this.closing = false;
    this.masterStderr = [];
    await fs.promises.rm(this.socket, { force: true });
    const stop = new AbortController();
    const args = [
      '-M',
      '-N',
      '-S',
      this.socket,
      '-o',
      'ControlMaster=yes',
      '-o',
      'ControlPersist=no',
      ...sshOptions(this.host),
      this.host.ssh,
    ];
    const master = runSupervised({
      command: 'ssh',
      args,
      cwd: os.tmpdir(),
      signal: stop.signal,
      graceMs: 500,
      onLine: (line) => {
        if (this.masterStderr.length < 40) this.masterStderr.push(line);
      },
    });
    this.master = master;
    this.stopMaster = stop;
    let ended = false;
    void master.then((result) => {
      ended = true;
      if (this.master !== master) return;
      this.master = undefined;
      if (this.closing) return;
      this.onLost(this.lostReason(result));
    });
    // Ready when the socket answers `-O check`, or failed when the master ended first.
    for (;;) {
      if (signal?.aborted) {
        await this.close();
        throw new Error(`connecting to host ${this.host.name} was stopped`);
      }
      if (ended) {
        if (this.master === master) this.master = undefined;
        throw new Error(describeSshFailure(this.host, this.masterStderr.join('\n')));
      }
      if (fs.existsSync(this.socket) && (await this.check())) return;
      await new Promise((resolve) => setTimeout(resolve, CHECK_POLL_MS));
    }
  }

  /** True when the master answers on its socket. */
  async check(): Promise<boolean> {
    const result = await runSupervised({
      command: 'ssh',
      args: ['-S', this.socket, '-O', 'check', ...sshOptions(this.host), this.host.ssh],
      cwd: os.tmpdir(),
      timeoutMs: 10_000,
      graceMs: 200,
    });
    return result.outcome === 'exited' && result.exitCode === 0;
  }

  /** Ends the master (and with it every session over it). */
  async close(): Promise<void> {
    this.closing = true;
    const master = this.master;
    this.stopMaster?.abort();
    if (master !== undefined) await master;
    this.master = undefined;
    await fs.promises.rm(this.socket, { force: true });
  }

  private lostReason(result: SupervisedResult): string {
    const said = this.masterStderr.join(' ').trim().slice(0, 300);
    const how = result.signal !== null ? `signal ${result.signal}` : `exit ${result.exitCode ?? 'none'}`;
    return `the connection to ${this.host.ssh} was lost (${how}${said ? `: ${said}` : ''})`;
  }
}
