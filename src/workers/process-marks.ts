/**
 * Process marks: finding what a supervised child left behind, even outside its
 * process group.
 *
 * Ending a child's process group misses every process that left the group: a
 * daemon started with setsid, a double fork, a `nohup ... &` that made its own
 * group. What such a process cannot shed is the environment it inherited, so
 * runSupervised puts GAFFER_PROCESS_MARK=<session>:<child> into each child's
 * environment and, when the child's run ends, scans /proc/<pid>/environ for
 * processes that still carry that mark.
 *
 * The limit: /proc/<pid>/environ is the environment a program was exec'd
 * with, so a descendant that execs itself with a scrubbed environment
 * (`env -i`) carries no mark and is not found. Where /proc cannot be read the
 * scans find nothing, and only the process groups are ended.
 *
 * This module also keeps the supervisor's registry of live children, so every
 * way out of the supervisor (a second Ctrl-C, process.exit anywhere) can end
 * them synchronously with killAllChildrenNow().
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { timeSlices } from '../util/time-slices.js';
import { processAlive } from './process-group.js';

export const PROCESS_MARK_VARIABLE = 'GAFFER_PROCESS_MARK';

/**
 * Random per supervisor process: a mark never matches the children of another
 * gaffer running side by side, or of an earlier gaffer whose pid was reused.
 */
const SESSION = randomBytes(8).toString('hex');
/** Marks are tokens of [0-9a-z:] only, so a space separates them in one variable. */
const TOKEN = /^[0-9a-z]+:[0-9]+$/;
/** Nested supervisors (an agent running gaffer's own tests) keep at most this many outer marks. */
const MAX_INHERITED_MARKS = 8;
const POLL_MS = 25;
/** How long to wait for the kernel to remove SIGKILLed processes. */
const KILL_WAIT_MS = 5000;
const MARK_KEY = Buffer.from(`${PROCESS_MARK_VARIABLE}=`, 'latin1');

let childCount = 0;

/** This supervisor process's session id: every mark it hands out starts with `<session>:`. */
export function processMarkSession(): string {
  return SESSION;
}

/** A new mark for one child, unique in this session. */
export function newProcessMark(): string {
  childCount += 1;
  return `${SESSION}:${childCount}`;
}

/** The session part of a mark (`<session>:<child>` → `<session>`). */
export function sessionOfMark(mark: string): string {
  const colon = mark.indexOf(':');
  return colon === -1 ? mark : mark.slice(0, colon);
}

/**
 * The value of GAFFER_PROCESS_MARK for a child with this mark. A supervisor
 * that is itself a marked descendant of another gaffer keeps the outer marks
 * in front of its own, so the outer gaffer still finds its grandchildren.
 */
export function processMarkValue(mark: string, inherited = process.env[PROCESS_MARK_VARIABLE]): string {
  const outer = (inherited ?? '')
    .split(' ')
    .filter((token) => TOKEN.test(token) && token !== mark)
    .slice(-MAX_INHERITED_MARKS);
  return [...outer, mark].join(' ');
}

/** Pids (never our own) of running processes that carry exactly this mark. */
export function findMarkedProcesses(mark: string): number[] {
  return scan((token) => token === mark);
}

/** Pids (never our own) of running processes that carry any mark of the session (default: ours). */
export function findSessionProcesses(session: string = SESSION): number[] {
  const prefix = `${session}:`;
  return scan((token) => token.startsWith(prefix));
}

export type MarkedEndOutcome = 'none' | 'terminated' | 'killed';

export interface MarkedEndResult {
  outcome: MarkedEndOutcome;
  /** Every marked process found and signalled. */
  pids: number[];
}

/**
 * Ends every process carrying the mark: SIGTERM, graceMs to exit, then
 * SIGKILL and wait until they are gone. Each SIGKILL round scans again, so a
 * process forked during the grace is not missed. When nothing carries the
 * mark (the usual case) this is one /proc scan.
 */
export async function endMarkedProcesses(mark: string, graceMs: number): Promise<MarkedEndResult> {
  return endFound(() => findMarkedInSharedScan(mark), graceMs);
}

/**
 * Marks waiting for the next shared /proc pass. Sixteen agents ending close
 * together each wanted their own pass over every process's environment (10 to
 * 40 ms each on a busy machine, ~2 s of the supervisor's main thread per 200
 * units of the mission-scale benchmark); now a pass serves every mark asked
 * for before it began. A pass that began earlier never answers a later
 * question: a process that escaped after it read /proc would be missed.
 */
let pendingScan: { marks: Set<string>; found: Promise<Map<string, number[]>> } | undefined;
/** The pass running now (or settled), which the next one waits for. */
let runningScan: Promise<unknown> = Promise.resolve();

function findMarkedInSharedScan(mark: string): Promise<number[]> {
  if (pendingScan === undefined) {
    const marks = new Set<string>();
    const found = runningScan.then(() => {
      // From here on, a new question waits for the pass after this one.
      pendingScan = undefined;
      return scanYieldingForMarks(marks);
    });
    runningScan = found.catch(() => undefined);
    pendingScan = { marks, found };
  }
  pendingScan.marks.add(mark);
  return pendingScan.found.then((byMark) => byMark.get(mark) ?? []);
}

/**
 * Ends every process carrying any mark of an earlier supervisor's session: what
 * a supervisor killed with SIGKILL (no exit hook ran) left behind.
 */
export async function endSessionProcesses(session: string, graceMs: number): Promise<MarkedEndResult> {
  if (session === SESSION) return { outcome: 'none', pids: [] };
  const prefix = `${session}:`;
  return endFound(async () => {
    const found: number[] = [];
    await scanYielding((pid, tokens) => {
      if (tokens.some((token) => token.startsWith(prefix))) found.push(pid);
    });
    return found;
  }, graceMs);
}

async function endFound(find: () => Promise<number[]>, graceMs: number): Promise<MarkedEndResult> {
  const found = await find();
  if (found.length === 0) return { outcome: 'none', pids: [] };
  const signalled = new Set(found);
  signalEach(found, 'SIGTERM');
  if (await waitForExit(found, graceMs)) {
    const late = await find();
    if (late.length === 0) return { outcome: 'terminated', pids: [...signalled] };
  }
  const deadline = performance.now() + KILL_WAIT_MS;
  for (;;) {
    // Only pids from a fresh scan: one that exited since may already belong to someone else.
    const left = await find();
    if (left.length === 0) break;
    for (const pid of left) signalled.add(pid);
    signalEach(left, 'SIGKILL');
    const remaining = deadline - performance.now();
    if (remaining <= 0) break;
    await waitForExit(left, remaining);
  }
  return { outcome: 'killed', pids: [...signalled] };
}

/** Live children of this supervisor, by process group id: pgid → mark. */
const liveChildren = new Map<number, string>();
let exitHookInstalled = false;

/**
 * Records a running child (its group and its mark) until the returned
 * function is called. The first call installs a process 'exit' hook that
 * kills whatever is still running, so no exit path leaves children behind.
 */
export function trackChild(pgid: number, mark: string): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      killAllChildrenNow();
    });
  }
  liveChildren.set(pgid, mark);
  return () => {
    if (liveChildren.get(pgid) === mark) liveChildren.delete(pgid);
  };
}

/** The live children's process groups and marks (a copy). */
export function liveChildGroups(): { pgid: number; mark: string }[] {
  return [...liveChildren].map(([pgid, mark]) => ({ pgid, mark }));
}

/**
 * SIGKILLs every live child's process group and every process carrying a
 * mark of this session, at once and synchronously: it must work inside
 * process.on('exit') and right before process.exit, where nothing async
 * runs. Does not wait for them to go (SIGKILL cannot be refused). Returns how
 * many groups and processes were signalled.
 */
export function killAllChildrenNow(): number {
  let signalled = 0;
  for (const pgid of liveChildren.keys()) {
    if (signalGroupNow(pgid)) signalled++;
  }
  // Nothing was ever started: skip the scan (an import alone costs nothing at exit).
  if (childCount === 0) return signalled;
  for (const pid of findSessionProcesses()) {
    if (signalNow(pid, 'SIGKILL')) signalled++;
  }
  return signalled;
}

/**
 * One pass over /proc: pids whose environment carries a mark token the test
 * accepts. Unreadable entries (another user's process, one that just exited)
 * are skipped; a zombie's environment reads as empty or fails, so zombies are
 * never found. Without /proc the answer is empty.
 */
function scan(test: (token: string) => boolean): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    const marked = markedEntry(entry);
    if (marked !== undefined && marked.tokens.some(test)) found.push(marked.pid);
  }
  shrinkReadBuffer();
  return found;
}

/**
 * The same pass for the running supervisor (an attempt's end, a restart's
 * sweep): `visit` sees each process that carries marks, and the event loop
 * gets a turn every few ms, since one pass over a busy machine's /proc takes
 * 10 to 40 ms. Only the synchronous exit path needs `scan`.
 */
async function scanYielding(visit: (pid: number, tokens: readonly string[]) => void): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return;
  }
  const slices = timeSlices();
  for (const entry of entries) {
    if (slices.due()) await slices.pause();
    const marked = markedEntry(entry);
    if (marked !== undefined) visit(marked.pid, marked.tokens);
  }
  shrinkReadBuffer();
}

/** A yielding pass for several exact marks at once: each mark's pids. */
async function scanYieldingForMarks(marks: ReadonlySet<string>): Promise<Map<string, number[]>> {
  const found = new Map<string, number[]>();
  await scanYielding((pid, tokens) => {
    for (const mark of tokens) {
      if (!marks.has(mark)) continue;
      const pids = found.get(mark);
      if (pids === undefined) found.set(mark, [pid]);
      else pids.push(pid);
    }
  });
  return found;
}

/** A /proc entry's pid and the mark tokens its environment carries; undefined for our own, an unreadable or an unmarked one. */
function markedEntry(entry: string): { pid: number; tokens: string[] } | undefined {
  const pid = pidOf(entry);
  if (pid === undefined || pid === process.pid) return undefined;
  const environ = readProcFile(`/proc/${entry}/environ`);
  if (environ === undefined) return undefined;
  const tokens = markTokens(environ);
  return tokens.length > 0 ? { pid, tokens } : undefined;
}

/** One huge environment must not pin megabytes for the supervisor's lifetime. */
function shrinkReadBuffer(): void {
  if (readBuffer.length > READ_BUFFER_BYTES) readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
}

/** Reused by every read: a scan reads hundreds of small files and allocates nothing per file. */
const READ_BUFFER_BYTES = 64 * 1024;
let readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);

/**
 * The whole file, as a view into the shared buffer that is valid until the
 * next call; undefined if it cannot be read. /proc files report size 0, so
 * read until EOF, growing the buffer for a huge environment (our mark is the
 * last variable, so a truncated read would miss it).
 */
function readProcFile(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    let length = 0;
    for (;;) {
      if (length === readBuffer.length) {
        const bigger = Buffer.allocUnsafe(readBuffer.length * 2);
        readBuffer.copy(bigger);
        readBuffer = bigger;
      }
      const n = readSync(fd, readBuffer, length, readBuffer.length - length, null);
      if (n === 0) return readBuffer.subarray(0, length);
      length += n;
    }
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Every token of every GAFFER_PROCESS_MARK=... entry (only at an entry's start) of an environment. */
function markTokens(environ: Buffer): string[] {
  const tokens: string[] = [];
  for (let at = environ.indexOf(MARK_KEY); at !== -1; at = environ.indexOf(MARK_KEY, at + 1)) {
    // Only at the start of an entry: FOO=GAFFER_PROCESS_MARK=... is not a mark.
    if (at !== 0 && environ[at - 1] !== 0) continue;
    const start = at + MARK_KEY.length;
    const nul = environ.indexOf(0, start);
    const value = environ.toString('latin1', start, nul === -1 ? environ.length : nul);
    tokens.push(...value.split(' '));
  }
  return tokens;
}

async function waitForExit(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!pids.some(processAlive)) return true;
    if (performance.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

function signalEach(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) signalNow(pid, signal);
}

/** Signals one process; false if it is gone or not ours to signal. Never our own pid, never 0 or 1. */
function signalNow(pid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

function signalGroupNow(pgid: number): boolean {
  // -0 and -1 would signal our own group or every process we may signal.
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

function pidOf(name: string): number | undefined {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return name.length > 0 ? Number(name) : undefined;
}
