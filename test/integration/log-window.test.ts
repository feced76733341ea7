/**
 * A finished attempt's output, read back through the controller from its log
 * on disk (MissionControl.logWindow): the right last lines, whatever the
 * log's size, and never more than one bounded window in memory. The mission
 * is real (git, SQLite, the scripted agent as a subprocess); the 50 MB is
 * appended to the attempt's real log afterwards, as a flooding agent would
 * have written it.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { MissionControl } from '../../src/controller/control.js';
import { LOG_WINDOW_BYTES, readLogWindow } from '../../src/workers/log-window.js';
import { makeTempDir, removeTempDir } from '../helpers/cli.js';
import { cleanup, makeRepo, runMission } from './mission-fixture.js';

let repo = '';
let temp: string | undefined;
afterEach(() => {
  cleanup(repo);
  removeTempDir(temp);
  temp = undefined;
});

/** Appends `lines` numbered lines of about 100 bytes, 1 MB at a time, so the test itself holds little. */
function appendNumbered(file: string, first: number, lines: number): void {
  const fd = fs.openSync(file, 'a');
  try {
    let chunk: string[] = [];
    for (let i = first; i < first + lines; i++) {
      chunk.push(`flood line ${i} ${'x'.repeat(80)}`);
      if (chunk.length === 10_000) {
        fs.writeSync(fd, `${chunk.join('\n')}\n`);
        chunk = [];
      }
    }
    if (chunk.length > 0) fs.writeSync(fd, `${chunk.join('\n')}\n`);
  } finally {
    fs.closeSync(fd);
  }
}

describe('the output of an attempt that ended, read from its log', () => {
  it('a failed unit shows the end of its log through the controller, bounded however large the log', async () => {
    repo = makeRepo();
    let control: MissionControl | undefined;
    const { result } = await runMission(
      repo,
      { units: [{ id: 'noisy', title: 'prints, then fails', prompt: '@print 300 noisy says\n@exit 3' }] },
      { maxAttempts: 1, rounds: { max: 1 } },
      { attach: (_bus, given) => (control = given) },
    );
    try {
      expect(result.store.units.get(result.runId, 'noisy')).toMatchObject({ status: 'failed' });
      // Nothing runs any more: no ring buffer, yet its output is there.
      expect(control?.output('noisy')).toBeUndefined();
      const view = control?.logWindow('noisy');
      expect(view).toMatchObject({ unitId: 'noisy', attempt: 1, outcome: 'failed' });
      expect(view?.lines.filter((line) => line.startsWith('noisy says')).at(-1)).toBe('noisy says 300');
      expect(control?.logWindow('nobody')).toBeUndefined();

      const logPath = view?.logPath ?? '';
      appendNumbered(logPath, 1, 560_000);
      expect(fs.statSync(logPath).size).toBeGreaterThan(50 * 1024 * 1024);
      const before = process.memoryUsage().arrayBuffers;
      const tail = control?.logWindow('noisy');
      const grew = process.memoryUsage().arrayBuffers - before;
      expect(tail?.lines.at(-1)).toBe(`flood line 560000 ${'x'.repeat(80)}`);
      expect(tail?.lines.at(0)).toMatch(/^flood line \d+ x+$/);
      // One window: a whole-file read would have taken the 50 MB.
      expect(grew).toBeLessThan(8 * 1024 * 1024);
      const tailBytes = (tail?.lines ?? []).reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
      expect(tailBytes).toBeLessThanOrEqual(LOG_WINDOW_BYTES);

      // Scrolling back: the window before the tail ends where the tail starts, with the line before it.
      const start = tail?.offsets[0] ?? 0;
      const earlier = control?.logWindow('noisy', { attempt: 1, to: start });
      const firstOfTail = Number(/^flood line (\d+)/.exec(tail?.lines[0] ?? '')?.[1]);
      expect(earlier?.lines.at(-1)).toBe(`flood line ${firstOfTail - 1} ${'x'.repeat(80)}`);
      // And from the very start, forward: the attempt's own first lines.
      const top = control?.logWindow('noisy', { attempt: 1, from: 0 });
      expect(top?.lines[0]).toMatch(/^gaffer: attempt 1 of noisy starts/);
    } finally {
      result.store.close();
    }
  }, 120_000);
});

describe('readLogWindow', () => {
  it('walks a log back to its start in bounded windows, every line once, in order', () => {
    temp = makeTempDir();
    const file = `${temp}/walk.log`;
    appendNumbered(file, 1, 20_000);
    const seen: string[] = [];
    let to: number | undefined;
    for (;;) {
      const window = readLogWindow(file, to === undefined ? {} : { to });
      seen.unshift(...window.lines);
      expect(window.offsets.at(-1)! - window.offsets[0]!).toBeLessThanOrEqual(LOG_WINDOW_BYTES);
      if (window.offsets[0] === 0) break;
      to = window.offsets[0];
    }
    expect(seen).toHaveLength(20_000);
    expect(seen.every((line, i) => line === `flood line ${i + 1} ${'x'.repeat(80)}`)).toBe(true);
  });

  it('keeps a line longer than a window (cut) so scrolling always moves; a missing log is empty', () => {
    temp = makeTempDir();
    const file = `${temp}/long.log`;
    fs.writeFileSync(file, `first\n${'y'.repeat(100)}\nlast`);
    const window = readLogWindow(file, { to: 100, maxBytes: 50 });
    expect(window.lines).toEqual(['y'.repeat(50)]);
    // Forward from 0 in 10 bytes: the whole first line; the unfinished last line shows at the end.
    expect(readLogWindow(file, { from: 0, maxBytes: 10 }).lines).toEqual(['first']);
    expect(readLogWindow(file).lines.at(-1)).toBe('last');
    expect(readLogWindow(`${temp}/none.log`)).toEqual({ lines: [], offsets: [0], size: 0 });
  });
});
