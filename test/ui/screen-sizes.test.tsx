/**
 * Every size from 60x20 up: no frame line wider than the terminal in cells
 * (string-width, as Ink and the terminal count them), the frame at least one
 * line shorter than the window, CJK, emoji and combining marks in titles and
 * output, and what must stay visible when a line is cut.
 */
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
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
