import { describe, expect, it, vi } from 'vitest';
import { ReplayApp } from '../../components/replay/ReplayApp.js';
import { ReplayDriver } from '../../components/replay/replay-driver.js';
import { themeFor } from '../../components/theme.js';
import type { GafferEvent } from '../../src/events/types.js';
import { MAX_GAP_MS } from '../../src/replay/pace.js';
import { KEY, ev, missionInfo, renderWithProviders, resetClock, started, type Rendered } from './helpers.js';
import { useFakeClock } from './helpers.js';

/**
 * The replay's driver on the real screen (App through ReplayApp), keys typed
 * as a terminal sends them: pause and play on a fake clock, step, seek by
 * round, speed, the read-only answers, and q.
 */

let ui: Rendered | undefined;
let driver: ReplayDriver | undefined;

useFakeClock(() => {
  ui?.unmount();
  ui = undefined;
  driver?.dispose();
  driver = undefined;
});

const done = (unitId: string, from: 'merging' | 'running' = 'merging'): GafferEvent =>
  ev('unit:state', { runId: 1, unitId, from, to: 'done', reason: 'merged' });

/** Three rounds: parser lands in 1; lexer fails in 1, lands in 2; cli fails for good in 3. */
function recordedRun(): GafferEvent[] {
  resetClock();
  const ended = (unitId: string, attempt: number, outcome: 'handed-off' | 'failed'): GafferEvent =>
    ev('attempt:ended', {
      runId: 1,
      unitId,
      attempt,
      outcome,
      exitCode: outcome === 'failed' ? 1 : 0,
      durationMs: 1000,
      commits: outcome === 'failed' ? 0 : 1,
      handoff: 'valid',
      reason: outcome === 'failed' ? 'exit 1: tests fail' : 'handed off',
      usage: null,
    });
  const round = (n: number) => ev('round:started', { runId: 1, round: n });
  const roundEnd = (n: number, doneCount: number, failed: number) =>
    ev('round:ended', { runId: 1, round: n, done: doneCount, failed, merged: doneCount, rejected: 0 });
  return [
    ev('run:started', {
      runId: 1,
      planName: 'demo-plan',
      repo: '/r',
      resumed: false,
      units: 3,
      maxRounds: 3,
    }),
    round(1),
    ...started('parser'),
    ...started('lexer'),
    ended('parser', 1, 'handed-off'),
    ev('unit:state', { runId: 1, unitId: 'parser', from: 'running', to: 'merging', reason: 'handed off' }),
    ev('merge:queued', { runId: 1, mergeId: 1, unitId: 'parser', attempt: 1, branch: 'gaffer/parser-1' }),
    ev('merge:merged', { runId: 1, mergeId: 1, unitId: 'parser', commit: 'b'.repeat(40) }),
    done('parser'),
    ended('lexer', 1, 'failed'),
    ev('unit:state', { runId: 1, unitId: 'lexer', from: 'running', to: 'pending', reason: 'exit 1' }),
    roundEnd(1, 1, 1),
    round(2),
    ...started('lexer', 2),
    ended('lexer', 2, 'handed-off'),
    done('lexer', 'running'),
    roundEnd(2, 1, 0),
    round(3),
    ...started('cli'),
    ended('cli', 1, 'failed'),
    ev('unit:state', {
      runId: 1,
      unitId: 'cli',
      from: 'running',
      to: 'failed',
      reason: 'exit 1: no attempts left',
    }),
    roundEnd(3, 0, 1),
    ev('run:ended', { runId: 1, status: 'completed', reason: 'every unit settled' }),
  ];
}

const EVENTS = recordedRun();
const roundStart = (round: number): number =>
  EVENTS.findIndex((event) => event.type === 'round:started' && event.payload.round === round) + 1;

async function replayScreen(options: { paused?: boolean; speed?: number; onLeave?: () => void } = {}) {
  driver = new ReplayDriver(EVENTS, missionInfo(), { paused: options.paused ?? true, ...options });
  ui = await renderWithProviders({ element: <ReplayApp replay={driver} theme={themeFor({})} /> });
  return { driver, ui };
}

/** The frame without the message line: what the events alone made of the screen. */
/** The screen above the footer (whose message may wrap over more lines). */
const board = (rendered: Rendered): string => {
  const lines = rendered.lines();
  const footer = lines.slice(0, -1).findLastIndex((line) => /^[✓✗!·] /.test(line));
  return lines.slice(0, footer === -1 ? -2 : footer).join('\n');
};
const replayLine = (rendered: Rendered): string => rendered.lines().at(-1) ?? '';
/** The footer's message, read across the lines it wraps over (above the keys' line). */
const messageLine = (rendered: Rendered): string => {
  const lines = rendered.lines().slice(0, -1);
  let start = lines.length - 1;
  while (start > 0 && !/^[✓✗!·] /.test(lines[start] ?? '')) start -= 1;
  return lines.slice(start).join(' ');
};

/** A second driver stepped straight from the start to `position`, event by event: its screen. */
async function straightPlayTo(position: number): Promise<string> {
  const straight = new ReplayDriver(EVENTS, missionInfo(), { paused: true });
  const rendered = await renderWithProviders({
    element: <ReplayApp replay={straight} theme={themeFor({})} />,
  });
  try {
    for (let i = 0; i < position; i += 1) await rendered.press('.');
    return board(rendered);
  } finally {
    rendered.unmount();
    straight.dispose();
  }
}

describe('gaffer replay on the screen', () => {
  it('shows where it is in the footer and steps one event with .', async () => {
    const { ui } = await replayScreen();
    expect(replayLine(ui)).toContain(`REPLAY run #1 · round 0/3 · event 0/${EVENTS.length} · 10× · paused`);
    await ui.press('.', '.');
    expect(replayLine(ui)).toContain(`REPLAY run #1 · round 1/3 · event 2/${EVENTS.length} · 10× · paused`);
    await ui.press('.', '.', '.');
    expect(ui.lines().find((line) => /parser/.test(line) && /running/.test(line))).toBeDefined();
    // Worker output is not in the log: the Output pane says so and names the log file.
    expect(ui.lastFrame()).toContain('what the agent printed is not in the event log');
    expect(ui.lastFrame()).toContain('log: /tmp/state/logs/run-1/parser-attempt-1.log');
  });

  it('plays at the recorded pace divided by the speed; space pauses and plays on', async () => {
    const { driver, ui } = await replayScreen({ paused: false, speed: 2 });
    driver.start();
    // The events are recorded a second apart: at 2× one comes every 500 ms of screen time.
    await vi.advanceTimersByTimeAsync(0);
    await ui.press();
    const first = driver.getStatus().position;
    await vi.advanceTimersByTimeAsync(1000);
    await ui.press();
    expect(driver.getStatus().position).toBe(first + 2);
    expect(replayLine(ui)).toContain(`event ${first + 2}/${EVENTS.length} · 2× · playing`);

    await ui.press(' ');
    const paused = driver.getStatus().position;
    expect(replayLine(ui)).toContain('· paused');
    await vi.advanceTimersByTimeAsync(10 * MAX_GAP_MS);
    expect(driver.getStatus().position).toBe(paused);

    await ui.press(' ', '+', '+');
    expect(replayLine(ui)).toContain('· 10× · playing');
    await vi.advanceTimersByTimeAsync(EVENTS.length * MAX_GAP_MS);
    await ui.press();
    expect(replayLine(ui)).toContain(`event ${EVENTS.length}/${EVENTS.length} · 10× · end`);
    expect(ui.lastFrame()).toContain('completed');
    await ui.press('-', '-', '-');
    expect(replayLine(ui)).toContain('· 1× ·');
  });

  it('[ and ] seek by round, back and forth, to the screen a straight play to that point shows', async () => {
    const { driver, ui } = await replayScreen();
    await ui.press(']', ']');
    expect(driver.getStatus().position).toBe(roundStart(2));
    expect(replayLine(ui)).toContain(`round 2/3 · event ${roundStart(2)}/${EVENTS.length}`);
    const atRound2 = board(ui);
    expect(atRound2).toBe(await straightPlayTo(roundStart(2)));

    await ui.press(']', ']');
    expect(driver.getStatus().position).toBe(EVENTS.length);
    expect(board(ui)).toBe(await straightPlayTo(EVENTS.length));
    expect(ui.lastFrame()).toMatch(/1 failed/);

    // Back from the end: the start of round 3, then of round 2 (a fresh view model, replayed to there).
    await ui.press('[');
    expect(driver.getStatus().position).toBe(roundStart(3));
    expect(board(ui)).toBe(await straightPlayTo(roundStart(3)));
    await ui.press('[');
    expect(board(ui)).toBe(atRound2);
    // Mid-round, [ goes to the start of the round the screen is in.
    await ui.press('.', '.', '[');
    expect(board(ui)).toBe(atRound2);
    await ui.press('[', '[', '[');
    expect(driver.getStatus().position).toBe(0);
    expect(board(ui)).toBe(await straightPlayTo(0));
  });

  it('answers every command key that a replay is read-only, and acts on nothing', async () => {
    const { ui } = await replayScreen();
    await ui.press(']');
    // What the run shows (the footer's message aside, which may wrap and take rows from the panes).
    const shown = () => {
      const { header, rounds, workers, attention, merges, health } = ui.store.getSnapshot();
      return { header, rounds, workers, attention, merges, health };
    };
    const before = shown();
    for (const [key, what] of [
      ['k', 'k (kill)'],
      ['r', 'r (retry)'],
      ['d', 'd (discover)'],
      ['a', 'a (accept)'],
      ['x', 'x (reject)'],
      ['p', 'p (pause scheduling)'],
    ] as const) {
      await ui.press(key);
      expect(messageLine(ui)).toContain(`✗ replay is read-only: ${what} acts on a live run only`);
    }
    expect(shown()).toEqual(before);
    // The proposals view's keys too.
    await ui.press('v', 'a');
    expect(messageLine(ui)).toContain('replay is read-only: a (accept)');
    await ui.press(KEY.escape);
  });

  it('q and Ctrl-C leave at once, with no confirmation', async () => {
    const left = { count: 0 };
    const first = await replayScreen({ onLeave: () => (left.count += 1) });
    await first.ui.press('.', '.', '.', '.', 'q');
    expect(left.count).toBe(1);
    expect(first.ui.lastFrame()).not.toContain('Quit?');
    first.ui.unmount();
    first.driver.dispose();

    const second = await replayScreen({ onLeave: () => (left.count += 1) });
    await second.ui.press(KEY.ctrlC);
    expect(left.count).toBe(2);
  });
});
