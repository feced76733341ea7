/**
 * A network namespace joined to this machine by a veth pair: a "host" with an
 * address of its own, whose link can be cut and mended. Test processes run in
 * it with `ip netns exec`. The addresses come from 10.213.0.0/16, one /30 per
 * link: .1 on this machine's side, .2 inside the namespace.
 */
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import which from 'which';
import type { Availability } from './sshd.js';

/** How many /30 subnets 10.213.0.0/16 holds. */
const SUBNETS = 16_384;
/** Subnets tried before giving up: each one taken (by a parallel worker or a crashed run) costs one try. */
const SUBNET_TRIES = 64;

let linksMade = 0;

export class NetnsLink {
  private constructor(
    readonly namespace: string,
    /** This machine's end of the veth pair. */
    readonly hostInterface: string,
    /** The namespace's end (its name inside the namespace). */
    readonly innerInterface: string,
    readonly hostAddress: string,
    readonly innerAddress: string,
  ) {}

  /**
   * A new namespace with its link up. Parallel test workers pick subnets
   * from their pid, so they seldom meet; a subnet (or interface name) already
   * taken is skipped.
   */
  static create(): NetnsLink {
    const inUse = subnetsInUse();
    for (let tries = 0; tries < SUBNET_TRIES; tries++) {
      const serial = linksMade++;
      const subnet = (process.pid * 8 + serial) % SUBNETS;
      if (inUse.has(subnet)) continue;
      const link = new NetnsLink(
        `gft-${process.pid}-${serial}`,
        `gfh${subnet}`,
        `gfn${subnet}`,
        subnetAddress(subnet, 1),
        subnetAddress(subnet, 2),
      );
      try {
        link.build();
        return link;
      } catch (error) {
        link.remove();
        // Anything but a name or subnet taken (no root, no veth driver) fails every try alike.
        if (!/File exists/.test(String((error as Error).message))) throw error;
      }
    }
    throw new Error(`could not find a free subnet in 10.213.0.0/16 in ${SUBNET_TRIES} tries`);
  }

  /** The command line that runs `command` inside the namespace. */
  exec(command: readonly string[]): string[] {
    return ['ip', 'netns', 'exec', this.namespace, ...command];
  }

  /**
   * Cuts the link at the namespace's end. Taking down this machine's end
   * instead would remove its route to the subnet, and packets for the host
   * would leave by the default route to the real network; with the far end
   * down they are dropped on the veth, as a pulled cable drops them: open
   * connections hear nothing, new ones fail once ARP gives up.
   */
  async drop(): Promise<void> {
    await execa('ip', ['-n', this.namespace, 'link', 'set', this.innerInterface, 'down']);
  }

  /**
   * Mends the link. An ARP query this machine began while the link was down
   * still fails when its tries run out, and a connect made meanwhile fails at
   * once with "No route to host"; forgetting the neighbour entry starts a
   * fresh query, so the host answers as soon as this resolves. (A connect
   * still waiting from before fails; it was made while the link was down.)
   */
  async restore(): Promise<void> {
    await execa('ip', ['-n', this.namespace, 'link', 'set', this.innerInterface, 'up']);
    await execa('ip', ['neigh', 'flush', 'dev', this.hostInterface]);
  }

  /** Pids of every process in the namespace, whoever started it. */
  pids(): number[] {
    try {
      return ip('netns', 'pids', this.namespace)
        .split('\n')
        .filter((line) => line !== '')
        .map(Number);
    } catch {
      return []; // the namespace is gone
    }
  }

  /** Deletes the namespace and both veth ends; a part already gone (or never made) is skipped. */
  remove(): void {
    for (const args of [
      ['link', 'del', this.hostInterface],
      ['netns', 'del', this.namespace],
    ]) {
      try {
        ip(...args);
      } catch {
        // never made, or already gone
      }
    }
  }

  private build(): void {
    ip('netns', 'add', this.namespace);
    // The peer is made inside the namespace, so its name cannot clash with this machine's interfaces.
    ip(
      'link',
      'add',
      this.hostInterface,
      'type',
      'veth',
      'peer',
      'name',
      this.innerInterface,
      'netns',
      this.namespace,
    );
    ip('addr', 'add', `${this.hostAddress}/30`, 'dev', this.hostInterface);
    ip('link', 'set', this.hostInterface, 'up');
    ip('-n', this.namespace, 'addr', 'add', `${this.innerAddress}/30`, 'dev', this.innerInterface);
    ip('-n', this.namespace, 'link', 'set', this.innerInterface, 'up');
    ip('-n', this.namespace, 'link', 'set', 'lo', 'up');
  }
}

let netnsAvailability: Availability | undefined;

/**
 * Whether this machine lets us make namespaces and veth pairs (root, `ip`,
 * the veth driver): one is made and removed on the first call.
 */
export function netnsAvailable(): Availability {
  netnsAvailability ??= probeNetns();
  return netnsAvailability;
}

function probeNetns(): Availability {
  if (which.sync('ip', { nothrow: true }) === null) {
    return { ok: false, why: 'network namespaces cannot be made here: `ip` (iproute2) is not installed' };
  }
  try {
    NetnsLink.create().remove();
    return { ok: true };
  } catch (error) {
    return { ok: false, why: `network namespaces cannot be made here: ${(error as Error).message.trim()}` };
  }
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The /30 subnets holding an address on this machine, so a new link does not reuse one. */
function subnetsInUse(): Set<number> {
  const used = new Set<number>();
  for (const match of ip('-4', '-o', 'addr', 'show').matchAll(/inet 10\.213\.(\d+)\.(\d+)\//g)) {
    used.add((Number(match[1]) * 256 + Number(match[2])) >> 2);
  }
  return used;
}

function subnetAddress(subnet: number, hostNumber: 1 | 2): string {
  return `10.213.${subnet >> 6}.${((subnet & 63) << 2) + hostNumber}`;
}
