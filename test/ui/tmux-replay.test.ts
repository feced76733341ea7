/**
 * `gaffer replay` in a real terminal at 80x24: a real run of the scripted
 * agent first, then its replay on the live screen, driven with send-keys and
 * read with capture-pane. It plays to the end at once (the run is short),
 * then . pauses, [ and ] seek, the command keys answer read-only, q leaves.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { expectCompletedRun, makeSandbox, removeTempDir, runGaffer, type Sandbox } from '../helpers/cli.js';
import { exitCodeOf, launcher, Tmux } from '../helpers/tmux.js';

let tmux: Tmux | undefined;
let sandbox: Sandbox | undefined;

afterEach(() => {
  tmux?.killServer();
  tmux = undefined;
  removeTempDir(sandbox?.root);
  sandbox = undefined;
});

/** The database and its write-ahead log (an empty or missing one holds nothing). */
function databaseBytes(box: Sandbox): string {
  const read = (file: string): string => (fs.existsSync(file) ? fs.readFileSync(file).toString('hex') : '');
  return read(box.databasePath) + read(`${box.databasePath}-wal`);
}

/** The footer's replay line. */
const replayLine = (screen: string): string =>
  screen.split('\n').find((line) => line.startsWith('REPLAY')) ?? '';

describe('gaffer replay in tmux', () => {
  it('plays a recorded run at 80x24 through the live screen: pause, step, seek, read-only, q', async () => {
    sandbox = makeSandbox();
    expectCompletedRun(await runGaffer(sandbox), sandbox);
    const recorded = databaseBytes(sandbox);
    tmux = new Tmux(launcher(sandbox.root, ['replay', '--config', sandbox.configPath]), {
      columns: 80,
      rows: 24,
    });

    let screen = await tmux.waitForScreen('the replay at its end', (text) =>
      /^REPLAY run #1 · round 1\/3 · event (\d+)\/\1 · 10× · end/m.test(text),
    );
    const total = Number(/event (\d+)\//.exec(replayLine(screen))?.[1]);
    for (const part of ['gaffer tiny · run #1', 'completed', 'Workers', 'Rounds', 'Merge queue', 'Health']) {
      expect(screen).toContain(part);
    }
    expect(screen).toMatch(/1 done/);
    // The frame fits the terminal: no line wider than 80, no more lines than 24.
    expect(screen.split('\n').every((line) => [...line].length <= 80)).toBe(true);
    expect(screen.split('\n').filter((line) => line.trim() !== '').length).toBeLessThanOrEqual(24);

    // . at the end pauses and says so; [ goes back to round 1's start, paused.
    tmux.send('.');
    // The message may wrap over the footer's lines: its words are read across them.
    await tmux.waitForScreen('the end said', (text) =>
      text.replace(/\s+/g, ' ').includes('at the end of the log'),
    );
    tmux.send('[');
    screen = await tmux.waitForScreen('round 1’s start', (text) =>
      /^REPLAY run #1 · round 1\/3 · event \d+\/\d+ · 10× · paused/m.test(text),
    );
    const start = Number(/event (\d+)\//.exec(replayLine(screen))?.[1]);
    expect(start).toBeLessThan(total);
    expect(screen).not.toContain('completed');
    expect(screen).toMatch(/0 done/);

    tmux.send('.');
    await tmux.waitForScreen('one event further', (text) =>
      replayLine(text).includes(`event ${start + 1}/${total} · 10× · paused`),
    );

    tmux.send('k');
    await tmux.waitForScreen('the read-only answer', (text) =>
      text.includes('replay is read-only: k (kill) acts on a live run only'),
    );

    tmux.send('+');
    await tmux.waitForScreen('faster', (text) => replayLine(text).includes('· 20× · paused'));
    tmux.send(']');
    screen = await tmux.waitForScreen('the end again', (text) =>
      replayLine(text).includes(`event ${total}/${total} · 20× · end`),
    );
    expect(screen).toContain('completed');

    tmux.send('q');
    expect(await exitCodeOf(sandbox.root)).toBe(0);
    // Read-only: the record is byte for byte as the run left it.
    expect(databaseBytes(sandbox)).toEqual(recorded);
  }, 300_000);
});
