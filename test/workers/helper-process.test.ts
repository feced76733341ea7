import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scriptedAgentPath } from '../../src/workers/scripted-agent-path.js';

/**
 * gaffer's helpers (the git runner, the process starter) are child processes
 * of the supervisor. They must leave with it, even when it is SIGKILLed; must
 * outlive a Ctrl-C, which reaches the whole foreground process group and which
 * the supervisor handles; and a helper that dies fails what it had pending
 * with the reason, and the next request starts another.
 */
const built = join(dirname(scriptedAgentPath()), '..');
const runnerModule = join(built, 'git', 'git-runner.js');
const helperModule = join(built, 'util', 'helper-process.js');

/** An owner process: runs git through the helper, prints the helper's pid, then obeys lines on stdin. */
const OWNER = `
import { runGitProcess } from ${JSON.stringify(runnerModule)};
import { helperProcessIds, helperUsage } from ${JSON.stringify(helperModule)};
import readline from 'node:readline';
const git = () => runGitProcess({ args: ['--version'], cwd: process.cwd(), env: process.env, input: '', maxBuffer: 1 << 20 });
const say = (message) => process.stdout.write(JSON.stringify(message) + '\\n');
process.on('SIGINT', () => say({ interrupted: true }));
const first = await git();
say({ version: first.stdout.trim(), helpers: helperProcessIds() });
const input = readline.createInterface({ input: process.stdin });
for await (const line of input) {
  if (line === 'slow') {
    // A git that runs until its helper is gone: a shell alias that sleeps.
    runGitProcess({ args: ['-c', 'alias.wait=!sleep 120', 'wait'], cwd: process.cwd(), env: process.env, input: '', maxBuffer: 1 << 20 })
      .then(() => say({ error: 'the slow git finished' }), (error) => say({ error: String(error.message) }));
    say({ slow: true });
  } else if (line === 'git') {
    try {
      const result = await git();
      say({ version: result.stdout.trim(), helpers: helperProcessIds() });
    } catch (error) {
      say({ error: String(error.message) });
    }
  } else if (line === 'usage') say({ usage: helperUsage() });
  else if (line === 'exit') process.exit(0);
}
`;

interface OwnerMessage {
  version?: string;
  helpers?: number[];
  interrupted?: boolean;
  slow?: boolean;
  error?: string;
  usage?: { cpuUserMs: number; cpuSystemMs: number; peakRssMb: number };
}

const owners: ChildProcess[] = [];

afterEach(() => {
  // The whole group: the owner, its helpers and what they started.
  for (const owner of owners.splice(0)) {
    try {
      process.kill(-owner.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

function startOwner(): {
  owner: ChildProcess;
  next: () => Promise<OwnerMessage>;
  send: (line: string) => void;
} {
  // Its own process group, so a group signal reaches the owner and its helpers and nothing else.
  const owner = spawn(process.execPath, ['--input-type=module', '-e', OWNER], {
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true,
  });
  owners.push(owner);
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let buffered = '';
  owner.stdout?.setEncoding('utf8');
  owner.stdout?.on('data', (text: string) => {
    buffered += text;
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const next = async (): Promise<OwnerMessage> => {
    const line = lines.shift() ?? (await new Promise<string>((resolve) => waiting.push(resolve)));
    return JSON.parse(line) as OwnerMessage;
  };
  return { owner, next, send: (line) => owner.stdin?.write(`${line}\n`) };
}

function alive(pid: number): boolean {
  try {
    // A zombie is gone for our purposes: only a running process counts.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describe("gaffer's helper processes", () => {
  it('run git for the supervisor from a process of their own, which leaves when the supervisor is SIGKILLed mid-command', async () => {
    const { owner, next, send } = startOwner();
    const first = await next();
    expect(first.version).toMatch(/^git version \d/);
    const [helper] = first.helpers ?? [];
    expect(helper).toBeGreaterThan(0);
    expect(helper).not.toBe(owner.pid);
    expect(alive(helper!)).toBe(true);
    // `ps` names it, rather than showing its source.
    expect(fs.readFileSync(`/proc/${helper}/cmdline`, 'utf8')).toMatch(/^gaffer git runner/);
    send('slow');
    expect(await next()).toEqual({ slow: true });
    owner.kill('SIGKILL');
    // Long before the slow git's two minutes are up.
    expect(await gone(helper!)).toBe(true);
  });

  it("outlive a Ctrl-C to the supervisor's process group, which the supervisor handles", async () => {
    const { owner, next, send } = startOwner();
    const first = await next();
    process.kill(-owner.pid!, 'SIGINT');
    expect(await next()).toEqual({ interrupted: true });
    send('git');
    const after = await next();
    expect(after.version).toBe(first.version);
    expect(after.helpers).toEqual(first.helpers);
  });

  it('fail what a dead helper had pending with the reason, and start another for the next request', async () => {
    const { next, send } = startOwner();
    const first = await next();
    const [helper] = first.helpers ?? [];
    send('slow');
    expect(await next()).toEqual({ slow: true });
    process.kill(helper!, 'SIGKILL');
    expect(await next()).toEqual({
      error: "gaffer's git runner stopped (signal SIGKILL); run again, and report it if it repeats",
    });
    send('git');
    const after = await next();
    expect(after.error).toBeUndefined();
    expect(after.version).toBe(first.version);
    expect(after.helpers).toHaveLength(1);
    expect(after.helpers?.[0]).not.toBe(helper);
  });

  it("report their CPU and memory, which the supervisor's own process.cpuUsage() does not see", async () => {
    const { next, send } = startOwner();
    await next();
    send('usage');
    const { usage } = await next();
    // Starting Node.js alone costs tens of ms of CPU; /proc counts in 10 ms ticks.
    expect((usage?.cpuUserMs ?? 0) + (usage?.cpuSystemMs ?? 0)).toBeGreaterThan(0);
    expect(usage?.peakRssMb).toBeGreaterThan(5);
  });
});
