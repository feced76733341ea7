import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { endEarlierAgent } from '../../src/controller/reconcile.js';
import type { AttemptRow } from '../../src/store/attempts.js';
import { processAlive, processIdentity } from '../../src/workers/process-group.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.pid !== undefined && processAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  }
});

/** A process leading its own group, as an agent does. */
function groupLeader(): number {
  const child = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  children.push(child);
  if (child.pid === undefined) throw new Error('sleep did not start');
  return child.pid;
}

function attemptOf(pid: number, identity: string | null): AttemptRow {
  return {
    id: 1,
    run_id: 1,
    unit_id: 'u',
    number: 1,
    round: 1,
    branch: 'gaffer/run-1/u/attempt-1',
    worktree: '/nonexistent/slot',
    base_commit: '0'.repeat(40),
    head_commit: null,
    log_path: '/dev/null',
    pid,
    pid_identity: identity,
    outcome: 'running',
    exit_code: null,
    signal: null,
    handoff: null,
    handoff_json: null,
    commits: 0,
    reason: '',
    started_at: '',
    ended_at: null,
    session_id: null,
    start_mode: 'cold',
    start_reason: '',
    failure_kind: null,
    input_tokens: 0,
    output_tokens: 0,
    cached_tokens: 0,
    cost_usd: null,
  };
}

it('a restart never signals a pid that now belongs to another process', async () => {
  const pid = groupLeader();
  const identity = processIdentity(pid);
  expect(identity).toMatch(/^.+:\d+$/);
  // The record names the same pid, but a process that started at another moment: a reused pid.
  const [boot, started] = (identity as string).split(':') as [string, string];
  await endEarlierAgent(attemptOf(pid, `${boot}:${Number(started) - 1}`), 200);
  expect(processAlive(pid)).toBe(true);
  // Another boot altogether: the same.
  await endEarlierAgent(attemptOf(pid, `another-boot:${started}`), 200);
  expect(processAlive(pid)).toBe(true);
});

it('ends the group of the very process the attempt started', async () => {
  const pid = groupLeader();
  await endEarlierAgent(attemptOf(pid, processIdentity(pid) ?? null), 200);
  expect(processAlive(pid)).toBe(false);
});
