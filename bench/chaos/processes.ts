/**
 * The process table as /proc shows it (Linux only): who descends from the
 * supervisor, who carries the harness's process mark, who works inside the
 * mission's folder; and the three ways the harness kills a supervisor.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  command: string;
}

/**
 * Every live process but zombies. Fields come after the command's closing
 * parenthesis, since the command itself may hold spaces and parentheses.
 */
export function processTable(): ProcessInfo[] {
  const table: ProcessInfo[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone since readdir
    }
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') continue;
    table.push({
      pid: Number(entry),
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      command: commandLine(Number(entry)) || stat.slice(stat.indexOf('(') + 1, close),
    });
  }
  return table;
}

export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** `root` and everything below it by parent links. */
export function descendantsOf(root: number, table: readonly ProcessInfo[]): number[] {
  const children = new Map<number, number[]>();
  for (const info of table) children.set(info.ppid, [...(children.get(info.ppid) ?? []), info.pid]);
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (found.includes(pid)) continue;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/**
 * Processes whose environment carries `token` in GAFFER_PROCESS_MARK. The
 * harness starts each supervisor with its mission's token there; gaffer keeps
 * inherited marks in front of its own (see src/workers/process-marks.ts), so
 * agents, checks and git children all carry it.
 */
export function processesWithMark(token: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ: string;
    try {
      environ = fs.readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue;
    }
    const mark = environ.split('\0').find((variable) => variable.startsWith('GAFFER_PROCESS_MARK='));
    if (mark?.slice('GAFFER_PROCESS_MARK='.length).split(' ').includes(token)) found.push(Number(entry));
  }
  return found;
}

/** Processes whose working directory is `dir` or inside it. */
export function processesInside(dir: string): number[] {
  const root = fs.realpathSync(dir);
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cwd: string;
    try {
      cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
    } catch {
      continue;
    }
    if (cwd === root || cwd.startsWith(`${root}${path.sep}`)) found.push(Number(entry));
  }
  return found;
}

/** How much of the supervisor's world one kill takes with it. */
export const KILL_MODES = ['supervisor', 'group', 'tree'] as const;
export type KillMode = (typeof KILL_MODES)[number];

/**
 * SIGKILL in one of three reaches: the supervisor alone (its git children
 * and agents live on); its process group (git children die mid-command,
 * agents and checks, each in a group of its own, live on); or the whole tree,
 * agents and git included, found by parent links and by the mission's mark.
 */
export function killSupervisor(pid: number, mode: KillMode, token: string): void {
  switch (mode) {
    case 'supervisor':
      signal(pid, 'SIGKILL');
      return;
    case 'group':
      signal(-pid, 'SIGKILL');
      return;
    case 'tree':
      // Twice: a process forked between the scan and the signal is caught the second time.
      for (let pass = 0; pass < 2; pass += 1) {
        const table = processTable();
        const doomed = new Set([...descendantsOf(pid, table), ...processesWithMark(token)]);
        // The supervisor first, so it cannot start anything new meanwhile.
        signal(pid, 'SIGKILL');
        for (const victim of doomed) signal(victim, 'SIGKILL');
      }
      return;
    default: {
      const unreachable: never = mode;
      return unreachable;
    }
  }
}

/** Kills every process of the mission still alive (the harness's cleanup, never part of a scenario). */
export function killMarked(token: string): void {
  for (const pid of processesWithMark(token)) signal(pid, 'SIGKILL');
}

function signal(pid: number, name: NodeJS.Signals): void {
  if (pid === process.pid || pid === 0 || pid === -process.pid) return;
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}
