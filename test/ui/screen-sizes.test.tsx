/**
 * Every size from 60x20 up: no frame line wider than the terminal in cells
 * (string-width, as Ink and the terminal count them), the frame at least one
 * line shorter than the window, CJK, emoji and combining marks in titles and
 * output, and what must stay visible when a line is cut.
 */
import stringWidth from 'string-width';
import { describe, expect, it, vi } from 'vitest';
import type { GafferEvent } from '../../src/events/types.js';
import {
  ev,
  missionInfo,
  output,
  renderWithProviders,
  started,
  type Rendered,
  useFakeClock,
} from './helpers.js';

let ui: Rendered | undefined;

useFakeClock(() => {
  ui?.unmount();
  ui = undefined;
});

const SIZES: readonly [number, number][] = [
  [60, 20],
  [80, 24],
  [120, 40],
  [200, 60],
];

const LONG_ID = 'refactor-the-configuration-loader-and-its-watchers';
const REASON = 'the tests failed: test_parser_handles_unicode and 3 more';

/** Wide titles and output, long ids, a long reason, merges with verdicts, checks and a long warning. */
function wideMission(): GafferEvent[] {
  return [
    ev('run:started', {
      runId: 7,
      planName: 'wide-mission',
      repo: '/r',
      resumed: false,
      units: 6,
      maxRounds: 3,
    }),
    ev('round:started', { runId: 7, round: 1 }),
    ev('round:ended', { runId: 7, round: 1, done: 2, failed: 1, merged: 2, rejected: 1 }),
    ev('round:started', { runId: 7, round: 2 }),
    ...started('漢字'),
    output('漢字', `構文解析器を書いています ${'字'.repeat(150)}`),
    ...started('emoji'),
    output('emoji', `🚀 deploying ✅ done 👍🏽 ${'🎉'.repeat(100)}`),
    ...started('accents'),
    output('accents', `e\u0301te\u0301 cafe\u0301 ${'n\u0303'.repeat(120)}`),
    ev('unit:state', { runId: 7, unitId: LONG_ID, from: 'running', to: 'failed', reason: REASON }),
    ...[1, 2, 3].map((mergeId) =>
      ev('merge:queued', { runId: 7, mergeId, unitId: `${LONG_ID}-${mergeId}`, attempt: 1, branch: 'b' }),
    ),
    ev('merge:rejected', {
      runId: 7,
      mergeId: 1,
      unitId: `${LONG_ID}-1`,
      class: 'regression',
      detail: 'tests: 2 more failing',
    }),
    ev('merge:merged', { runId: 7, mergeId: 2, unitId: `${LONG_ID}-2`, commit: 'c'.repeat(40) }),
    ev('health:snapshot', {
      runId: 7,
      round: null,
      commit: 'f'.repeat(40),
      label: 'baseline',
      passed: false,
      checks: ['tests', 'lint', 'types'].map((name) => ({
        name,
        passed: name !== 'lint',
        exitCode: 0,
        outcome: 'exited' as const,
      })),
    }),
    ev('supervisor:warning', { runId: 7, message: `disk almost full: ${'a long warning '.repeat(12)}end` }),
  ];
}

function wideInfo() {
  return missionInfo({
    concurrency: 4,
    units: [
      { id: '漢字', title: '構文解析器と字句解析器を追加する', dependsOn: [] },
      { id: 'emoji', title: '🚀 ship the 🎉 release notes ✅', dependsOn: [] },
      { id: 'accents', title: 'e\u0301te\u0301: combining marks', dependsOn: [] },
      { id: LONG_ID, title: 'a title as long as the id is', dependsOn: [] },
    ],
  });
}

function expectFits(rendered: Rendered, columns: number, rows: number): void {
  const lines = rendered.lines();
  const frame = lines.join('\n');
  expect(lines.length, frame).toBeLessThanOrEqual(rows - 1);
  for (const line of lines)
    expect(stringWidth(line), `${line}\n--- in ---\n${frame}`).toBeLessThanOrEqual(columns);
}

describe('every size from 60x20 up', () => {
  for (const [columns, rows] of SIZES) {
    it(`fits ${columns}x${rows} with wide characters everywhere`, async () => {
      ui = await renderWithProviders({ info: wideInfo() });
      await ui.resize(columns, rows);
      await ui.feed(wideMission());
      expectFits(ui, columns, rows);
      const frame = ui.lastFrame() ?? '';
      for (const text of ['gaffer', 'running', 'Workers', '漢字', 'q quit']) expect(frame).toContain(text);
    });
  }
});

describe('cutting what gives way, keeping what matters', () => {
  it('keeps a failure reason whole and cuts the long unit id before it', async () => {
    ui = await renderWithProviders({ info: wideInfo() });
    await ui.resize(80, 24);
    await ui.feed(wideMission());
    const row = ui.lines().find((line) => line.includes('failed  ')) ?? '';
    expect(row).toContain(REASON);
    expect(row).toContain('refactor-t');
    expect(row).not.toContain(LONG_ID);
  });

  it('keeps a merge verdict visible behind a long unit id, in short on a narrow pane', async () => {
    ui = await renderWithProviders({ info: wideInfo() });
    await ui.resize(120, 40);
    await ui.feed(wideMission());
    let frame = ui.lastFrame() ?? '';
    expect(frame).toContain('rejected (regression)');
    expect(frame).toContain(`merged ${'c'.repeat(7)}`);
    await ui.resize(80, 24);
    frame = ui.lastFrame() ?? '';
    expect(frame).toMatch(/ refactor… merged c{7}/);
    expectFits(ui, 80, 24);
    await ui.resize(60, 20);
    frame = ui.lastFrame() ?? '';
    expect(frame).toMatch(/ refact… ✓ c{7}/);
    expectFits(ui, 60, 20);
  });

  it('wraps a long footer message over the lines the footer has, keeping the keys', async () => {
    ui = await renderWithProviders({ info: wideInfo() });
    await ui.resize(120, 40);
    await ui.feed(wideMission());
    let lines = ui.lines();
    // Two lines of message, its last word included, then the keys.
    expect(lines.at(-3)).toMatch(/^! disk almost full: a long warning/);
    expect(lines.at(-2)).toMatch(/ end$/);
    expect(lines.at(-1)).toContain('q quit');
    // On 20 rows the message has two lines at most: the second ends in … where it was cut.
    await ui.resize(60, 20);
    lines = ui.lines();
    expect(lines.at(-3)).toMatch(/^! disk almost full/);
    expect(lines.at(-2)).toMatch(/…$/);
    expect(lines.at(-1)).toContain('q quit');
    expect(lines.at(-1)).toContain('? help');
    expectFits(ui, 60, 20);
  });

  it('wraps the help under its keys instead of cutting it, and counts what the height leaves out', async () => {
    ui = await renderWithProviders({ info: wideInfo() });
    await ui.resize(80, 40);
    await ui.feed(wideMission());
    await ui.press('?');
    let frame = ui.lastFrame() ?? '';
    expectFits(ui, 80, 40);
    // The end of the longest descriptions, on their own lines, indented under the key.
    expect(frame).toContain('k   kill the selected attempt');
    expect(frame).toMatch(/\n {4}[^\n]*waits for r\n/);
    expect(frame).toContain('? help');
    expect(frame).toContain('Units: + discovered');
    await ui.resize(60, 20);
    frame = ui.lastFrame() ?? '';
    expectFits(ui, 60, 20);
    expect(frame).toMatch(/… \d+ more lines: a taller window shows them/);
  });
});

describe('progress in the header', () => {
  /** Unit `id` runs an attempt of `minutes` and merges `mergeMinutes` later. */
  function finished(
    id: string,
    at: number,
    minutes: number,
    mergeMinutes: number,
    mergeId: number,
  ): GafferEvent[] {
    const iso = (ms: number) => new Date(ms).toISOString();
    const end = at + minutes * 60_000;
    const merged = end + mergeMinutes * 60_000;
    return [
      ev('unit:state', { runId: 1, unitId: id, from: 'pending', to: 'running', reason: 'started' }, iso(at)),
      ev(
        'attempt:started',
        {
          runId: 1,
          unitId: id,
          attempt: 1,
          round: 1,
          branch: `gaffer/${id}-1`,
          baseCommit: 'a'.repeat(40),
          logPath: `/tmp/${id}.log`,
        },
        iso(at),
      ),
      ev(
        'attempt:ended',
        {
          runId: 1,
          unitId: id,
          attempt: 1,
          outcome: 'handed-off',
          exitCode: 0,
          durationMs: minutes * 60_000,
          commits: 1,
          handoff: 'valid',
          reason: 'handed off',
          usage: null,
        },
        iso(end),
      ),
      ev('unit:state', { runId: 1, unitId: id, from: 'running', to: 'merging', reason: 'queued' }, iso(end)),
      ev('merge:queued', { runId: 1, mergeId, unitId: id, attempt: 1, branch: `gaffer/${id}-1` }, iso(end)),
      ev('merge:merged', { runId: 1, mergeId, unitId: id, commit: 'd'.repeat(40) }, iso(merged)),
      ev('unit:state', { runId: 1, unitId: id, from: 'merging', to: 'done', reason: 'merged' }, iso(merged)),
    ];
  }

  const ids = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'];
  const info = () =>
    missionInfo({ concurrency: 2, units: ids.map((id) => ({ id, title: `unit ${id}`, dependsOn: [] })) });
  const T = Date.parse('2026-01-01T10:00:00.000Z');

  it('draws done over all units as a bar, and no estimate before three attempts and merges ended', async () => {
    ui = await renderWithProviders({ info: info() });
    await ui.resize(120, 40);
    await ui.feed(finished('u1', T, 10, 2, 1), finished('u2', T, 10, 2, 2));
    const second = ui.lines()[1] ?? '';
    // 2 of 7 on a 20-cell bar: 6 cells filled.
    expect(second).toMatch(/^▇{6}░{14} 2\/7 · /);
    expect(second).not.toContain('left');
  });

  it('estimates the time left from the measured durations, units left and concurrency, counting down', async () => {
    ui = await renderWithProviders({ info: info() });
    await ui.resize(120, 40);
    // Three units of 10 minutes each merged 2 minutes later; four left on two slots: 2 waves + a merge.
    await ui.feed(
      finished('u1', T, 10, 2, 1),
      finished('u2', T, 10, 2, 2),
      finished('u3', T + 12 * 60_000, 10, 2, 3),
    );
    const last = T + 24 * 60_000;
    vi.setSystemTime(last);
    vi.advanceTimersByTime(1000);
    await ui.feed();
    expect(ui.lines()[1]).toContain('3/7');
    expect(ui.lines()[1]).toMatch(/ · ~21m59s left$/);
    vi.setSystemTime(last + 60_000);
    vi.advanceTimersByTime(1000);
    await ui.feed();
    expect(ui.lines()[1]).toMatch(/ · ~20m5[89]s left$/);
    // At 60 columns the zero counts give way; the progress, the failures and the estimate stay.
    await ui.resize(60, 20);
    const narrow = ui.lines()[1] ?? '';
    expect(narrow).toMatch(/^[▇░]{10} 3\/7 · /);
    expect(narrow).toContain('left');
    expect(narrow).not.toContain('0 failed');
    expectFits(ui, 60, 20);
  });
});
