import type { WorkerHost } from './worker-host.js';

/** A host's load and state, for views. */
export interface HostSummary {
  name: string;
  state: WorkerHost['state'];
  busy: number;
  slots: number;
  reason: string | undefined;
}

/**
 * The attempt slots of every host: this machine's and each worker host's.
 * An attempt goes to a host that is up, has a free slot and answers to the
 * unit's `host` (a name or a label) when it asks for one; among those, the
 * least loaded, this machine first on a tie.
 */
export class HostPool {
  private readonly busy = new Map<string, number>();

  constructor(readonly hosts: readonly WorkerHost[]) {
    for (const host of hosts) this.busy.set(host.name, 0);
  }

  /** The host for a unit's next attempt, or undefined when no slot it may use is free now. */
  place(request: string | undefined): WorkerHost | undefined {
    let best: WorkerHost | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const host of this.hosts) {
      if (host.state !== 'up' || !answers(host, request)) continue;
      const busy = this.busy.get(host.name) ?? 0;
      if (busy >= host.slots) continue;
      const load = busy / host.slots;
      if (load < bestLoad) {
        best = host;
        bestLoad = load;
      }
    }
    return best;
  }

  /** True when some slot of a host that is up is free. */
  hasFreeSlot(): boolean {
    return this.hosts.some((host) => host.state === 'up' && (this.busy.get(host.name) ?? 0) < host.slots);
  }

  /** Whether any host, up or not, answers to the request: a unit asking for an unknown name can never run. */
  known(request: string | undefined): boolean {
    return this.hosts.some((host) => host.slots > 0 && answers(host, request));
  }

  /** True when some host that answers to the request is down or connecting: its slots may come back. */
  waitingFor(request: string | undefined): boolean {
    return this.hosts.some((host) => host.state !== 'up' && host.slots > 0 && answers(host, request));
  }

  take(host: WorkerHost): void {
    this.busy.set(host.name, (this.busy.get(host.name) ?? 0) + 1);
  }

  give(host: WorkerHost): void {
    this.busy.set(host.name, Math.max(0, (this.busy.get(host.name) ?? 0) - 1));
  }

  summary(): HostSummary[] {
    return this.hosts.map((host) => ({
      name: host.name,
      state: host.state,
      busy: this.busy.get(host.name) ?? 0,
      slots: host.slots,
      reason: host.downReason,
    }));
  }

  /** The working branch moved to `commit`: the hosts that want it fetch it ahead of the attempts. */
  offerBase(commit: string): void {
    for (const host of this.hosts) host.offerBase(commit);
  }

  async start(): Promise<void> {
    await Promise.all(this.hosts.map((host) => host.start()));
  }

  async close(): Promise<void> {
    await Promise.all(this.hosts.map((host) => host.close()));
  }
}

function answers(host: WorkerHost, request: string | undefined): boolean {
  return request === undefined || host.labels.includes(request);
}
