import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { readStat } from '../workers/process-group.js';

/**
 * One of gaffer's helpers (the git runner, the process starter): a small
 * Node.js child process of the supervisor, running plain CommonJS evaluated
 * from a string, so it runs the same from the TypeScript sources (tests) and
 * from dist/. The source talks to its owner through `parentPort`
 * (`postMessage`, `on('message')`), which the prelude below provides.
 *
 * Why a process and not, as before, a worker thread: every process a helper
 * starts is a fork of the process the helper lives in; forked from the supervisor (~150 MB, its heap, SQLite's
 * cache, the UI) each start copied the supervisor's page tables while holding
 * its memory map, and the supervisor's main thread waited on its own page
 * faults meanwhile: the event loop's longest stalls in a large mission were
 * made of that (see BENCHMARKS.md, issue 12). Forked from a ~40 MB helper, a
 * start costs less and stalls nothing of the supervisor's.
 *
 * The helper does not hold the supervisor open until its owner refs it, it
 * leaves when the supervisor does (its channel closes), and it ignores the
 * terminal's interrupt, which the supervisor handles (a Ctrl-C reaches the
 * whole foreground process group). `onStopped` hears why it failed or exited
 * (possibly twice: an error, then the exit), so the owner can fail what was
 * pending and start another.
 *
 * GAFFER_HELPER_NODE_ARGS adds Node.js flags to the helpers' command line, for
 * profiling them: '--cpu-prof --cpu-prof-dir=/tmp/prof'.
 */
export interface Helper {
  postMessage(message: unknown): void;
  onMessage<T>(listener: (message: T) => void): void;
  ref(): void;
  unref(): void;
}

/** The helper processes alive now, for the run's CPU report. */
const helperPids = new Set<number>();

const PROCESS_PRELUDE = `
const parentPort = {
  postMessage: (message) => { if (process.connected) process.send(message); },
  on: (event, listener) => process.on(event, listener),
};
process.on('disconnect', () => process.exit(0));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => undefined);
`;

/**
 * Starts a helper running `source`; `name` is what `ps` shows for it
 * ("gaffer git runner"), instead of the source on its command line.
 */
export function startHelper(name: string, source: string, onStopped: (reason: string) => void): Helper {
  const flags = (process.env.GAFFER_HELPER_NODE_ARGS ?? '').split(' ').filter((flag) => flag !== '');
  const prelude = `process.title = ${JSON.stringify(name)};\n${PROCESS_PRELUDE}`;
  const child: ChildProcess = spawn(process.execPath, [...flags, '-e', prelude + source], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  let stderrTail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderrTail = (stderrTail + text).slice(-2000);
  });
  const stderrHandle = child.stderr as unknown as { unref?: () => void } | null;
  stderrHandle?.unref?.();
  if (child.pid !== undefined) helperPids.add(child.pid);
  const pid = child.pid;
  child.on('error', (error) => onStopped(error.message));
  child.on('exit', (code, signal) => {
    if (pid !== undefined) helperPids.delete(pid);
    const why = signal ? `signal ${signal}` : `exit code ${code}`;
    const tail = stderrTail.trim().split('\n').slice(-3).join(' / ');
    onStopped(tail ? `${why}: ${tail}` : why);
  });
  const setRef = (on: boolean): void => {
    const channel = child.channel as { ref?: () => void; unref?: () => void } | null | undefined;
    if (on) {
      child.ref();
      channel?.ref?.();
    } else {
      child.unref();
      channel?.unref?.();
    }
  };
  setRef(false);
  return {
    postMessage: (message) => {
      if (child.connected) child.send(message as object);
    },
    onMessage: (listener) => void child.on('message', listener),
    ref: () => setRef(true),
    unref: () => setRef(false),
  };
}

/** The pids of the helper processes alive now (for tests and the run's report). */
export function helperProcessIds(): number[] {
  return [...helperPids];
}

/**
 * CPU (user + system, ms) and peak RSS (MB) of the helper processes alive now,
 * from /proc: what the supervisor's own process.cpuUsage() does not see.
 * Zeros where /proc cannot be read.
 */
export function helperUsage(): { cpuUserMs: number; cpuSystemMs: number; peakRssMb: number } {
  const usage = { cpuUserMs: 0, cpuSystemMs: 0, peakRssMb: 0 };
  const msPerTick = 10;
  for (const pid of helperPids) {
    const stat = readStat(pid);
    if (stat === undefined) continue;
    usage.cpuUserMs += stat.userTicks * msPerTick;
    usage.cpuSystemMs += stat.systemTicks * msPerTick;
    try {
      const hwm = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm) usage.peakRssMb += Number(hwm[1]) / 1024;
    } catch {
      // Gone since: its CPU is counted, its memory is not.
    }
  }
  return usage;
}
