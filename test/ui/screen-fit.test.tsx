import chalk from 'chalk';
import { describe, expect, it } from 'vitest';
import { layoutFor } from '../../components/layout.js';
import { noColorRequested, themeFor } from '../../components/theme.js';
import { screenText } from '../../components/view-model/screen-text.js';
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
const chalkLevel = chalk.level;

useFakeClock(() => {
  ui?.unmount();
  ui = undefined;
  chalk.level = chalkLevel;
});

/** Everything at once: four slots busy, three units to retry, rounds, merges, checks and a message. */
function crowdedMission(): GafferEvent[] {
  const units = ['parser', 'lexer', 'cli', 'docs'];
  return [
    ev('run:started', { runId: 1, planName: 'crowded', repo: '/r', resumed: false, units: 8, maxRounds: 3 }),
    ...[1, 2, 3].flatMap((round) => [
      ev('round:started', { runId: 1, round }),
      ev('round:ended', { runId: 1, round, done: 2, failed: 1, merged: 2, rejected: 1 }),
    ]),
    ...units.flatMap((unitId) => [
      ...started(unitId),
      output(unitId, `${unitId} is printing ${'w'.repeat(200)}`),
    ]),
    ...['a', 'b', 'c'].map((unitId) =>
      ev('unit:state', { runId: 1, unitId, from: 'pending', to: 'blocked', reason: 'a dependency failed' }),
    ),
    ...[1, 2, 3, 4, 5].map((mergeId) =>
      ev('merge:queued', { runId: 1, mergeId, unitId: `unit-${mergeId}`, attempt: 1, branch: 'b' }),
    ),
    ev('health:snapshot', {
      runId: 1,
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
    ev('supervisor:warning', { runId: 1, message: 'a long warning '.repeat(20) }),
  ];
}

function expectFits(rendered: Rendered, columns: number, rows: number): void {
  const lines = rendered.lines();
  expect(lines.length, lines.join('\n')).toBeLessThanOrEqual(rows - 1);
  for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(columns);
}

describe('fitting the terminal', () => {
  it('fits 80x24 with every pane busy, keeping header, workers and footer', async () => {
    ui = await renderWithProviders({ info: missionInfo({ concurrency: 4 }) });
    await ui.resize(80, 24);
    await ui.feed(crowdedMission());
    expectFits(ui, 80, 24);
    const frame = ui.lastFrame() ?? '';
    for (const text of [
      'gaffer crowded',
      'Workers',
      'Units to retry',
      'Rounds',
      'Merge queue',
      'Health',
      'Output',
    ])
      expect(frame).toContain(text);
    expect(ui.lines().at(-1)).toContain('q quit');
  });

  it('follows a resize, both ways', async () => {
    ui = await renderWithProviders({ info: missionInfo({ concurrency: 4 }) });
    await ui.feed(crowdedMission());
    await ui.resize(120, 40);
    expectFits(ui, 120, 40);
    expect(ui.lines()).toHaveLength(39);
    await ui.resize(80, 24);
    expectFits(ui, 80, 24);
    expect(ui.lines()).toHaveLength(23);
    await ui.resize(60, 14);
    expectFits(ui, 60, 14);
    expect(ui.lastFrame()).toContain('Workers');
  });

  it('shares the lines sensibly: output collapses first, workers stay', () => {
    const base = { workers: 4, attention: 3, rounds: 3, merges: 5, checks: 3, unitsFocused: false };
    const big = layoutFor({ ...base, columns: 120, rows: 40 });
    const small = layoutFor({ ...base, columns: 80, rows: 24 });
    const tiny = layoutFor({ ...base, columns: 60, rows: 12 });
    for (const layout of [big, small, tiny]) {
      expect(2 + layout.workers + layout.attention + layout.band + layout.output + 2).toBeLessThanOrEqual(
        layout.height,
      );
      expect(layout.workers).toBeGreaterThanOrEqual(2);
    }
    expect(big.output).toBeGreaterThan(small.output);
    expect(tiny.output).toBe(0);
  });
});

describe('NO_COLOR', () => {
  const colorCode = /\u001b\[(3[0-7]|9[0-7]|38;)/;

  it('is requested by any non-empty value', () => {
    expect(noColorRequested({ NO_COLOR: '1' })).toBe(true);
    expect(noColorRequested({ NO_COLOR: '' })).toBe(false);
    expect(noColorRequested({})).toBe(false);
  });

  it('draws colours without it and none with it', async () => {
    chalk.level = 1;
    ui = await renderWithProviders({ theme: themeFor({}) });
    await ui.feed(crowdedMission());
    expect(ui.lastFrame()).toMatch(colorCode);
    ui.unmount();
    ui = await renderWithProviders({ theme: themeFor({ NO_COLOR: '1' }) });
    await ui.feed(crowdedMission());
    expect(ui.lastFrame()).not.toMatch(colorCode);
    expect(ui.lastFrame()).toContain('Merge queue');
  });
});

describe('agent output on screen', () => {
  it('loses escape sequences and control characters, shows what follows a carriage return, and is cut', () => {
    expect(screenText('\u001b[31merror\u001b[0m: \u001b]0;title\u0007boom\u0007')).toBe('error: boom');
    expect(screenText('progress 10%\rprogress 90%')).toBe('progress 90%');
    expect(screenText('a\tb\u0000c\r\n')).toBe('a  bc');
    expect(screenText('x'.repeat(10_000), 100)).toHaveLength(100);
  });
});
