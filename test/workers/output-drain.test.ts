import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RingBuffer } from '../../src/workers/ring-buffer.js';
import { scriptedAgentPath } from '../../src/workers/scripted-agent-path.js';
import { runSupervised } from '../../src/workers/supervised-process.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaffer-drain-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function node(script: string): { command: string; args: string[] } {
  return { command: process.execPath, args: ['-e', script] };
}

describe('output is drained while the child runs', () => {
  it('a child printing 2 MB (far past the 64 KiB pipe buffer) finishes, fully logged', async () => {
    const flood = 2_000_000;
    const ring = new RingBuffer({ maxLines: 100, maxBytes: 8192 });
    const logPath = join(dir, 'nested', 'logs', 'agent.log'); // the folder does not exist yet
    const result = await runSupervised({
      command: process.execPath,
      args: [scriptedAgentPath()],
      cwd: dir,
      stdinText: `@flood ${flood}\n@print 1 finished\n`,
      timeoutMs: 30_000,
      logPath,
      ring,
    });

    expect(result.outcome).toBe('exited');
    expect(result.exitCode).toBe(0);
    const logSize = statSync(logPath).size;
    expect(logSize).toBeGreaterThanOrEqual(flood);
    expect(result.bytes).toBe(logSize);
    expect(result.lines).toBeGreaterThanOrEqual(flood / 100);
    expect(ring.totalLines).toBe(result.lines);
    expect(ring.lines().length).toBeLessThanOrEqual(100);
    expect(ring.bytes).toBeLessThanOrEqual(8192);
    expect(ring.last()).toBe('finished 1');
  });

  it('drains stderr as well as stdout', async () => {
    const logPath = join(dir, 'both.log');
    const stderrLines: string[] = [];
    const result = await runSupervised({
      ...node(
        "const l='e'.repeat(99)+'\\n'; for (let i = 0; i < 5000; i++) process.stderr.write(l); console.log('out');",
      ),
      cwd: dir,
      timeoutMs: 30_000,
      logPath,
      onLine: (line, stream) => {
        if (stream === 'stderr') stderrLines.push(line);
      },
    });
    expect(result.outcome).toBe('exited');
    expect(stderrLines).toHaveLength(5000);
    expect(statSync(logPath).size).toBe(500_000 + 4);
  });

  it('splits \\r\\n, keeps UTF-8 split across chunks, and flushes the final partial line', async () => {
    const lines: string[] = [];
    const result = await runSupervised({
      ...node(
        "const b=Buffer.from('é'); process.stdout.write('a\\r\\nb\\n'); process.stdout.write(b.subarray(0,1));" +
          "setTimeout(()=>{process.stdout.write(Buffer.concat([b.subarray(1), Buffer.from('\\nno newline')]))},50)",
      ),
      cwd: dir,
      onLine: (line) => lines.push(line),
    });
    expect(result.exitCode).toBe(0);
    expect(lines).toEqual(['a', 'b', 'é', 'no newline']);
    expect(result.lines).toBe(4);
  });

  it('flushes an unterminated line longer than 64 KiB in pieces', async () => {
    const lines: string[] = [];
    const logPath = join(dir, 'long.log');
    const result = await runSupervised({
      ...node("process.stdout.write('x'.repeat(200000))"),
      cwd: dir,
      logPath,
      onLine: (line) => lines.push(line),
    });
    expect(result.exitCode).toBe(0);
    expect(lines.map((line) => line.length)).toEqual([65536, 65536, 65536, 3392]);
    expect(readFileSync(logPath, 'utf8')).toBe('x'.repeat(200000));
  });

  it('appends to an existing log instead of truncating it', async () => {
    const logPath = join(dir, 'append.log');
    await runSupervised({ ...node("console.log('first')"), cwd: dir, logPath });
    await runSupervised({ ...node("console.error('second')"), cwd: dir, logPath });
    expect(readFileSync(logPath, 'utf8')).toBe('first\nsecond\n');
  });

  it('a throwing line listener neither crashes the supervisor nor stops delivery', async () => {
    const seen: string[] = [];
    const result = await runSupervised({
      ...node("console.log('one'); console.log('two')"),
      cwd: dir,
      onLine: (line) => {
        seen.push(line);
        throw new Error('listener bug');
      },
    });
    expect(result.exitCode).toBe(0);
    expect(seen).toEqual(['one', 'two']);
    expect(result.listenerError).toBe('listener bug');
  });
});
