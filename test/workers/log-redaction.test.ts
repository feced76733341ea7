import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RingBuffer } from '../../src/workers/ring-buffer.js';
import { runSupervised } from '../../src/workers/supervised-process.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaffer-redact-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SECRET = 'sk-supersecretvalue1234';
const mask = (line: string): string => line.split(SECRET).join('[REDACTED]');

describe('redaction reaches the log, the ring and listeners', () => {
  it('masks a secret even when it is split across two chunks', async () => {
    const logPath = join(dir, 'agent.log');
    const ring = new RingBuffer({ maxLines: 10, maxBytes: 4096 });
    const lines: string[] = [];
    const result = await runSupervised({
      command: process.execPath,
      args: [
        '-e',
        `const s=${JSON.stringify(SECRET)}; process.stdout.write('key=' + s.slice(0, 8));` +
          "setTimeout(() => { process.stdout.write(s.slice(8) + '\\r\\nclean\\n'); process.stderr.write('tail ' + s); }, 50);",
      ],
      cwd: dir,
      logPath,
      ring,
      redact: mask,
      onLine: (line) => lines.push(line),
    });

    expect(result.exitCode).toBe(0);
    expect(lines).toEqual(['key=[REDACTED]', 'clean', 'tail [REDACTED]']);
    expect(ring.lines()).toEqual(lines);
    const log = readFileSync(logPath, 'utf8');
    expect(log).not.toContain(SECRET);
    expect(log).toBe('key=[REDACTED]\r\nclean\ntail [REDACTED]');
  });

  it('withholds a line rather than leak it when the redactor throws', async () => {
    const lines: string[] = [];
    await runSupervised({
      command: process.execPath,
      args: ['-e', `console.log(${JSON.stringify(SECRET)})`],
      cwd: dir,
      redact: () => {
        throw new Error('broken redactor');
      },
      onLine: (line) => lines.push(line),
    });
    expect(lines).toEqual(['[line withheld: redaction failed]']);
  });
});
