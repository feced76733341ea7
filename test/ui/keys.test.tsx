import { describe, expect, it, vi } from 'vitest';
import {
  KEY,
  T0,
  ev,
  missionInfo,
  renderWithProviders,
  started,
  type Rendered,
  useFakeClock,
  footerMessage,
} from './helpers.js';

let ui: Rendered | undefined;

useFakeClock(() => {
  ui?.unmount();
  ui = undefined;
});

/** Two slots, parser running in the first, lexer failed, cli blocked. */
async function busyMission(): Promise<Rendered> {
  const rendered = await renderWithProviders({ info: missionInfo({ concurrency: 2 }) });
  rendered.control.live = [{ unitId: 'parser', attempt: 1, startedAt: T0 }];
  await rendered.feed(
    started('parser'),
    ev('unit:state', { runId: 1, unitId: 'lexer', from: 'running', to: 'failed', reason: 'exit 1' }),
    ev('unit:state', { runId: 1, unitId: 'cli', from: 'pending', to: 'blocked', reason: 'lexer failed' }),
  );
  return rendered;
}

const selectedRow = (rendered: Rendered): string | undefined =>
  rendered.lines().find((line) => line.trimStart().startsWith('›'));

describe('selection', () => {
  it('↑/↓ move over the worker slots, wrapping', async () => {
    ui = await busyMission();
    expect(selectedRow(ui)).toMatch(/1 parser/);
    await ui.press(KEY.down);
    expect(selectedRow(ui)).toMatch(/2 \(idle\)/);
    await ui.press(KEY.down);
    expect(selectedRow(ui)).toMatch(/1 parser/);
    await ui.press(KEY.up);
    expect(selectedRow(ui)).toMatch(/2 \(idle\)/);
  });

  it('Tab moves to the units to retry and back; ↑/↓ move there too', async () => {
    ui = await busyMission();
    await ui.press(KEY.tab);
    expect(ui.lastFrame()).toContain('▸ Units to retry');
    expect(selectedRow(ui)).toMatch(/lexer +failed/);
    await ui.press(KEY.down);
    expect(selectedRow(ui)).toMatch(/cli +blocked/);
    await ui.press(KEY.tab);
    expect(ui.lastFrame()).toContain('▸ Workers');
    expect(selectedRow(ui)).toMatch(/1 parser/);
  });
});

describe('commands', () => {
  it('k asks first; y kills the selected attempt and shows the answer', async () => {
    ui = await busyMission();
    ui.control.answers.kill = { ok: true, message: 'attempt 1 of parser is ending' };
    await ui.press('k');
    expect(ui.control.calls).toEqual([]);
    expect(ui.lastFrame()).toContain('Kill attempt 1 of parser?');
    await ui.press('y');
    expect(ui.control.calls).toEqual([{ command: 'kill', arg: 'parser' }]);
    expect(footerMessage(ui)).toBe('✓ attempt 1 of parser is ending');
    expect(ui.lastFrame()).not.toContain('Kill attempt');
  });

  it('k then any other key keeps the attempt running and says so', async () => {
    ui = await busyMission();
    await ui.press('k', 'n');
    expect(ui.control.calls).toEqual([]);
    expect(footerMessage(ui)).toBe("· kill cancelled: parser's attempt 1 goes on");
    expect(ui.lastFrame()).not.toContain('Kill attempt');
  });

  it('k shows a refusal as such', async () => {
    ui = await busyMission();
    ui.control.answers.kill = { ok: false, message: 'parser has no running attempt to kill' };
    await ui.press('k', 'y');
    expect(footerMessage(ui)).toBe('✗ parser has no running attempt to kill');
  });

  it('k on an empty slot sends nothing and says what to do', async () => {
    ui = await busyMission();
    await ui.press(KEY.down, 'k');
    expect(ui.control.calls).toEqual([]);
    expect(footerMessage(ui)).toContain('nothing selected to kill');
  });

  it('r retries the selected unit to retry', async () => {
    ui = await busyMission();
    await ui.press(KEY.tab, KEY.down, 'r');
    expect(ui.control.calls).toEqual([{ command: 'retry', arg: 'cli' }]);
    expect(footerMessage(ui)).toBe('✓ cli is pending again');
  });

  it('d asks for discovery and shows the answer', async () => {
    ui = await busyMission();
    await ui.press('d');
    expect(ui.control.calls).toEqual([{ command: 'discover' }]);
    expect(footerMessage(ui)).toBe('✗ discovery is not configured');
  });

  it('p pauses, and p again resumes', async () => {
    ui = await busyMission();
    await ui.press('p');
    await ui.feed(ev('supervisor:paused', { runId: 1, paused: true }));
    expect(ui.lines()[0]).toContain('PAUSED');
    expect(footerMessage(ui)).toBe('✓ paused');
    await ui.press('p');
    await ui.feed(ev('supervisor:paused', { runId: 1, paused: false }));
    expect(ui.control.calls).toEqual([
      { command: 'setPaused', arg: true },
      { command: 'setPaused', arg: false },
    ]);
    expect(ui.lines()[0]).not.toContain('PAUSED');
    expect(footerMessage(ui)).toBe('✓ resumed');
  });
});

describe('quitting', () => {
  it('q asks first while attempts run; n goes back', async () => {
    ui = await busyMission();
    await ui.press('q');
    expect(ui.lastFrame()).toContain('Quit? 1 attempt is running.');
    expect(ui.control.calls).toEqual([]);
    await ui.press('n');
    expect(ui.lastFrame()).not.toContain('Quit?');
    expect(ui.control.calls).toEqual([]);
  });

  it('q then y quits: the controller stops and the header says so', async () => {
    ui = await busyMission();
    await ui.press('q', 'y');
    expect(ui.control.calls).toEqual([{ command: 'quit' }]);
    expect(ui.lastFrame()).not.toContain('Quit?');
    expect(ui.lines()[0]).toContain('STOPPING');
    expect(footerMessage(ui)).toBe('✓ stopping: the run stays resumable');
  });

  it('q quits at once when nothing runs', async () => {
    ui = await renderWithProviders();
    await ui.press('q');
    expect(ui.control.calls).toEqual([{ command: 'quit' }]);
  });

  it('Esc also goes back from the confirmation', async () => {
    ui = await busyMission();
    await ui.press('q', KEY.escape);
    vi.runOnlyPendingTimers(); // Ink waits a moment to tell a lone Esc from an escape sequence
    await ui.feed();
    expect(ui.lastFrame()).not.toContain('Quit?');
  });

  it('Ctrl-C is q; a second Ctrl-C forces', async () => {
    ui = await busyMission();
    await ui.press(KEY.ctrlC);
    expect(ui.lastFrame()).toContain('Quit? 1 attempt is running.');
    expect(ui.forced.count).toBe(0);
    await ui.press(KEY.ctrlC);
    expect(ui.forced.count).toBe(1);
    expect(ui.control.calls).toEqual([]);
  });

  it('Ctrl-C with nothing running quits; a second one forces while it winds down', async () => {
    ui = await renderWithProviders();
    await ui.press(KEY.ctrlC);
    expect(ui.control.calls).toEqual([{ command: 'quit' }]);
    await ui.press(KEY.ctrlC);
    expect(ui.forced.count).toBe(1);
  });
});

describe('help', () => {
  it('? shows every key; any key closes it without acting', async () => {
    ui = await busyMission();
    await ui.press('?');
    const frame = ui.lastFrame() ?? '';
    for (const text of [
      'Keys (any key closes this)',
      'k   kill the selected attempt',
      'r   retry',
      'p   pause',
    ]) {
      expect(frame).toContain(text);
    }
    await ui.press('k');
    expect(ui.lastFrame()).not.toContain('Keys (any key closes this)');
    expect(ui.control.calls).toEqual([]);
  });
});

describe('under a flood', () => {
  it('a key acts at once while thousands of output lines are pending', async () => {
    ui = await busyMission();
    for (let i = 0; i < 5000; i += 1) {
      ui.store.apply(ev('worker:output', { runId: 1, unitId: 'parser', attempt: 1, line: `noise ${i}` }));
    }
    await ui.press('k', 'y');
    expect(ui.control.calls).toEqual([{ command: 'kill', arg: 'parser' }]);
    expect(footerMessage(ui)).toBe('✓ attempt of parser is ending');
    expect(ui.lastFrame()).toContain('noise 4999');
  });
});
