/**
 * The worker hosts as the screen shows them: each one's latest host:state
 * (up, down and why, or connecting again), in the order they first reported.
 *
 * This machine ('local') never reports, so a single-machine run has no rows
 * here and its screen shows nothing of hosts. One row per configured host:
 * the config bounds them.
 */
import type { GafferEvents } from '../../src/events/types.js';
import { screenText } from './screen-text.js';
import type { HostRow, WorkerRow } from './types.js';

/** Where an attempt runs when its event names no place (older logs): this machine, as src/hosts names it. */
export const LOCAL_HOST = 'local';

export class HostStates {
  private readonly hosts = new Map<string, HostRow>();

  /** A host:state event; false when nothing visible changed. */
  take(p: GafferEvents['host:state']): boolean {
    const name = screenText(p.host, 100);
    const reason = p.reason === null ? null : screenText(p.reason, 300);
    const known = this.hosts.get(name);
    if (known?.state === p.state && known.reason === reason) return false;
    this.hosts.set(name, { name, state: p.state, reason });
    return true;
  }

  /** Forgets them all: at a resume, the recorded states are an earlier supervisor's connections. */
  clear(): void {
    this.hosts.clear();
  }

  build(): HostRow[] {
    return [...this.hosts.values()].map((row) => ({ ...row }));
  }
}

/** The place an attempt:started names, as screen text; this machine when it names none. */
export function attemptHost(host: string | undefined): string {
  return host === undefined ? LOCAL_HOST : screenText(host, 100);
}

/** The run places attempts on worker hosts: one reported a state, or an attempt ran somewhere else. */
export function usesWorkerHosts(hosts: readonly HostRow[], workers: readonly WorkerRow[]): boolean {
  return hosts.length > 0 || workers.some((worker) => worker.host !== LOCAL_HOST);
}
