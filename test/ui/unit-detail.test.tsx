import { describe, expect, it, vi } from 'vitest';
import type { UnitDetail } from '../../src/controller/control.js';
import {
  KEY,
  T0,
  ev,
  missionInfo,
  renderWithProviders,
  settle,
  started,
  type Rendered,
  useFakeClock,
} from './helpers.js';

let ui: Rendered | undefined;

useFakeClock(() => {
  ui?.unmount();
  ui = undefined;
});

const ENTER = '\r';
const PAGE_DOWN = '\u001b[6~';
const PAGE_UP = '\u001b[5~';
const HOME = '\u001b[H';
const END = '\u001b[F';

const LONG_REASON = `merge rejected (red): ${'the gate ran every check on the rebased candidate and '.repeat(8)}REASON-END`;

function lexerDetail(): UnitDetail {
  const diff = Array.from({ length: 60 }, (_, index) => `+line ${index + 1} of the lexer`);
  return {
    runId: 1,
    id: 'lexer',
    title: 'Add the lexer',
    status: 'failed',
    reason: LONG_REASON,
    origin: 'plan',
    discoveredFrom: null,
    dependsOn: [],
    waitingOn: [],
    attempts: [
      {
        number: 1,
        round: 1,
        outcome: 'handed-off',
        failureKind: null,
        reason: 'the agent handed off 1 commit',
        startMode: 'cold',
        startReason: 'first attempt',
        durationMs: 83_000,
        inputTokens: 12_000,
        outputTokens: 300,
        costUsd: 0.42,
        baseCommit: 'a'.repeat(40),
        headCommit: 'b'.repeat(40),
        logPath: '/tmp/state/logs/run-1/lexer-attempt-1.log',
        handoffSummary: 'Tokenizer with string escapes; HANDOFF-SUMMARY',
      },
    ],
    diff: {
      base: 'a'.repeat(40),
      head: 'b'.repeat(40),
      stat: [' src/lexer.ts | 60 ++++++', ' 1 file changed, 60 insertions(+)'],
      lines: ['diff --git a/src/lexer.ts b/src/lexer.ts', '+++ b/src/lexer.ts', ...diff, '-LAST-DIFF-LINE'],
      cut: null,
    },
    diffNote: null,
    merges: [
      {
        id: 4,
        attempt: 1,
        status: 'rejected',
        rejectClass: 'red',
        detail:
          "this change breaks tests: lexer > reads strings\ntests: math > adds fails; it has failed since unit parser's merge (round 1), not this change",
        candidate: 'c'.repeat(40),
        mergedCommit: null,
        checks: [
          {
            name: 'tests',
            passed: false,
            gate: true,
            flaky: false,
            counts: { passed: 7, failed: 2, errors: 0, warnings: 0, skipped: 0 },
            failing: ['lexer > reads strings', 'math > adds'],
            findings: [],
            note: null,
            tail: [
              'The end of its output (log: /tmp/checks/tests.log):',
              '  AssertionError: expected 4, received 5',
            ],
          },
        ],
      },
    ],
    broke: [],
    inherited: [{ check: 'tests', item: 'math > adds', unitId: 'parser', round: 1, commit: 'd'.repeat(40) }],
  };
}

/** lexer failed, selected in the Units pane. */
async function failedLexer(): Promise<Rendered> {
  const rendered = await renderWithProviders({ info: missionInfo({ concurrency: 2 }) });
  await rendered.resize(100, 40);
  await rendered.feed(
    ev('unit:state', { runId: 1, unitId: 'lexer', from: 'running', to: 'failed', reason: LONG_REASON }),
  );
  await rendered.press(KEY.tab);
  return rendered;
}

/** Every line the view shows from top to bottom, paging through it. */
async function readAll(rendered: Rendered): Promise<string> {
  await rendered.press(HOME);
  const seen: string[] = [];
  for (let page = 0; page < 20; page += 1) {
    seen.push(rendered.lastFrame() ?? '');
    if ((rendered.lastFrame() ?? '').includes('LAST-DIFF-LINE')) break;
    await rendered.press(PAGE_DOWN);
  }
  return seen.join('\n');
}

describe('unit detail (Enter)', () => {
  it('opens on the selected unit, says loading until the controller answers, then shows every section', async () => {
    ui = await failedLexer();
    let answer: (detail: UnitDetail) => void = () => {};
    ui.control.details.set(
      'lexer',
      new Promise<UnitDetail>((resolve) => {
        answer = resolve;
      }),
    );
    await ui.press(ENTER);
    expect(ui.store.getSnapshot()).toMatchObject({ overlay: 'detail', detailUnitId: 'lexer' });
    expect(ui.lastFrame()).toContain('loading…');
    answer(lexerDetail());
    await settle();
    const frame = ui.lastFrame() ?? '';
    expect(frame).not.toContain('loading…');
    expect(frame).toContain('lexer · Add the lexer · failed');
    const all = await readAll(ui);
    for (const text of [
      'Reason',
      'REASON-END',
      'Verdict',
      'merge #4 of attempt 1: rejected (red)',
      'this change breaks tests: lexer > reads strings',
      "since unit parser's merge (round 1), not this change",
      'tests: failed 7✓ 2✗ 0!',
      '✗ lexer > reads strings',
      'AssertionError: expected 4, received 5',
      'Attribution',
      "not this change: tests: math > adds, first seen with parser's merge (round 1)",
      'Handoff',
      '#1: Tokenizer with string escapes; HANDOFF-SUMMARY',
      'Attempts (1)',
      '#1 · round 1 · handed-off · 1m23s · $0.42 12.3k tok · cold: the agent handed off 1 commit',
      'Diff stat',
      'src/lexer.ts | 60 ++++++',
      '+line 30 of the lexer',
      '-LAST-DIFF-LINE',
    ])
      expect(all).toContain(text);
  });

  it('the reason is wrapped whole, never cut', async () => {
    ui = await failedLexer();
    ui.control.details.set('lexer', lexerDetail());
    await ui.press(ENTER);
    const frame = ui.lastFrame() ?? '';
    const reasonLines = frame.split('\n').filter((line) => /gate ran every check|REASON-END/.test(line));
    expect(reasonLines.length).toBeGreaterThan(3);
    expect(frame).toContain('REASON-END');
    expect(frame).not.toMatch(/the gate ran every check on the rebased candidate and …/);
  });

  it('scrolls a line with j/k and ↑/↓, a page with PgDn/PgUp, to the ends with Home/End', async () => {
    ui = await failedLexer();
    ui.control.details.set('lexer', lexerDetail());
    await ui.press(ENTER);
    const position = (): string =>
      /lines (\d+)–(\d+) of (\d+)/
        .exec(ui?.lastFrame() ?? '')
        ?.slice(1)
        .join(' ') ?? '';
    const first = position();
    expect(first).toMatch(/^1 \d+ \d+$/);
    const [, pageEnd, total] = first.split(' ').map(Number) as [number, number, number];
    await ui.press('j');
    expect(position()).toBe(`2 ${pageEnd + 1} ${total}`);
    await ui.press(KEY.down, KEY.up, 'k');
    expect(position()).toBe(first);
    await ui.press(PAGE_DOWN);
    expect(position()).toBe(`${pageEnd + 1} ${2 * pageEnd} ${total}`);
    await ui.press(PAGE_UP);
    expect(position()).toBe(first);
    await ui.press(END);
    expect(position()).toMatch(new RegExp(` ${total} ${total}$`));
    expect(ui.lastFrame()).toContain('-LAST-DIFF-LINE');
    await ui.press('j');
    expect(position()).toMatch(new RegExp(` ${total} ${total}$`));
    await ui.press(HOME);
    expect(position()).toBe(first);
    // The scroll keys are the view's: j/k did not move the selection under it, nor kill anything.
    expect(ui.control.calls).toEqual([]);
  });

  it('Esc closes it and Enter too; the panes are back', async () => {
    ui = await failedLexer();
    ui.control.details.set('lexer', lexerDetail());
    await ui.press(ENTER);
    expect(ui.lastFrame()).toContain('Verdict');
    await ui.press(KEY.escape);
    vi.runOnlyPendingTimers(); // Ink waits a moment to tell a lone Esc from an escape sequence
    await settle();
    expect(ui.store.getSnapshot()).toMatchObject({ overlay: 'none', detailUnitId: null });
    expect(ui.lastFrame()).not.toContain('Verdict');
    expect(ui.lastFrame()).toContain('Units to retry');
    await ui.press(ENTER);
    expect(ui.lastFrame()).toContain('Verdict');
    await ui.press(ENTER);
    expect(ui.store.getSnapshot().overlay).toBe('none');
  });

  it('a detail that cannot be loaded is said, with why', async () => {
    ui = await renderWithProviders({ info: missionInfo({ concurrency: 2 }) });
    ui.control.live = [{ unitId: 'parser', attempt: 1, startedAt: T0 }];
    await ui.feed(started('parser'));
    ui.control.details.set('parser', new Error('the state database is locked'));
    await ui.press(ENTER);
    expect(ui.lastFrame()).toContain('could not load the detail of parser: the state database is locked');
  });

  it('a unit the run does not know is said; Enter on an empty slot names what to do', async () => {
    ui = await renderWithProviders({ info: missionInfo({ concurrency: 2 }) });
    await ui.press(ENTER);
    expect(ui.store.getSnapshot().overlay).toBe('none');
    expect(ui.lines().at(-2)).toContain(
      'nothing selected to show: pick a worker or unit with ↑/↓, then Enter',
    );
    await ui.feed(started('parser'));
    await ui.press(ENTER);
    expect(ui.lastFrame()).toContain('the run has no unit parser');
  });
});

describe('Health pane attribution', () => {
  it('marks a failing check with the unit whose merge its failure was first seen with', async () => {
    ui = await renderWithProviders({ info: missionInfo({ concurrency: 2 }) });
    await ui.resize(120, 40);
    const snapshot = (commit: string, passed: boolean, brokeWith?: { unitId: string }[]) =>
      ev('health:snapshot', {
        runId: 1,
        round: passed ? null : 1,
        commit: commit.repeat(40),
        label: passed ? 'baseline' : 'round',
        passed,
        checks: [{ name: 'tests', passed, exitCode: passed ? 0 : 1, outcome: 'exited' }],
        ...(brokeWith
          ? {
              brokeWith: brokeWith.map(({ unitId }) => ({
                check: 'tests',
                unitId,
                round: 1,
                items: ['math > adds'],
              })),
            }
          : {}),
      });
    await ui.feed(snapshot('a', true));
    expect(ui.lastFrame()).not.toContain('broke with');
    await ui.feed(snapshot('b', false, [{ unitId: 'parser' }]));
    expect(ui.lines().find((line) => line.includes('tests failed'))).toContain(
      'tests failed ↓ broke with parser',
    );
  });
});
