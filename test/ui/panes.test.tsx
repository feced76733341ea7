import { describe, expect, it, vi } from 'vitest';
import type { GafferEvents } from '../../src/events/types.js';
import {
  T0,
  ev,
  missionInfo,
  output,
  renderWithProviders,
  started,
  type Rendered,
  useFakeClock,
  paneLines,
} from './helpers.js';

let ui: Rendered | undefined;

useFakeClock(() => {
  ui?.unmount();
  ui = undefined;
});

/** The frame's lines from the one starting with `title` (a pane's heading) on, `count` of them. */
function ended(
  unitId: string,
  attempt: number,
  outcome: 'killed' | 'failed' | 'handed-off',
  usage: GafferEvents['attempt:ended']['usage'] = null,
) {
  return ev('attempt:ended', {
    runId: 1,
    unitId,
    attempt,
    outcome,
    exitCode: outcome === 'failed' ? 1 : null,
    durationMs: 1000,
    commits: 0,
    handoff: 'missing',
    reason: outcome,
    usage,
  });
}

describe('Header', () => {
  it('shows plan, round n of N, elapsed time, counts, the green commit, and paused', async () => {
    ui = await renderWithProviders();
    await ui.feed(
      ev('run:started', { runId: 4, planName: 'calc', repo: '/r', resumed: false, units: 3, maxRounds: 5 }),
      ev('round:started', { runId: 4, round: 2 }),
      started('parser'),
      ev('unit:state', { runId: 4, unitId: 'lexer', from: 'pending', to: 'failed', reason: 'x' }),
      ev('branch:promoted', { runId: 4, branch: 'g', role: 'green', from: null, to: '0123456789abcdef' }),
    );
    vi.setSystemTime(T0 + 65_000);
    await ui.feed(ev('supervisor:paused', { runId: 4, paused: true }));
    vi.advanceTimersByTime(1000);
    await ui.feed();
    const [first, second] = ui.lines();
    expect(first).toContain('calc · run #4 · round 2/5');
    expect(first).toMatch(/ 1m0[56]s /);
    expect(first).toContain('green 0123456');
    expect(first).toContain('PAUSED');
    // Progress first: nothing done of three units yet.
    expect(second).toBe(
      `${'░'.repeat(20)} 0/3 · 1 pending · 1 running · 0 merging · 0 done · 1 failed · 0 blocked`,
    );
  });

  it('says why green is held back, after the run state, until green moves again', async () => {
    ui = await renderWithProviders();
    await ui.feed(
      ev('branch:held', {
        runId: 1,
        branch: 'gaffer/green',
        commit: 'a'.repeat(40),
        reason: 'gate check lint fails',
      }),
    );
    vi.advanceTimersByTime(1000);
    await ui.feed();
    expect(ui.lines()[0]).toMatch(/running · green none held: gate check lint fails/);
    await ui.feed(
      ev('branch:promoted', { runId: 1, branch: 'g', role: 'green', from: null, to: 'b'.repeat(40) }),
    );
    vi.advanceTimersByTime(1000);
    await ui.feed();
    expect(ui.lines()[0]).toContain('green bbbbbbb');
    expect(ui.lines()[0]).not.toContain('held');
  });

  it('says how the run ended', async () => {
    ui = await renderWithProviders();
    await ui.feed(ev('run:ended', { runId: 1, status: 'interrupted', reason: 'stopped by the operator' }));
    expect(ui.lines()[0]).toContain('interrupted');
  });
});

describe('Workers', () => {
  it('has a row per slot: unit, title, attempt and strikes, state, elapsed, the newest line cut to the width', async () => {
    ui = await renderWithProviders({ info: missionInfo({ concurrency: 3 }) });
    await ui.feed(started('parser', 2, 1));
    vi.setSystemTime(T0 + 5000);
    await ui.feed(output('parser', `compiling ${'z'.repeat(300)}`, 2));
    vi.advanceTimersByTime(1000);
    await ui.feed();
    const [title, slot1, slot2, slot3] = paneLines(ui, 'Workers', 4);
    expect(title).toContain('1/3 busy');
    expect(slot1).toMatch(/^› +1 parser +Add the parser +#2 1✗\/3 +running +[34]s +compiling zzz/);
    expect(slot1?.length).toBe(100);
    expect(slot2).toMatch(/^ +2 \(idle\) +idle/);
    expect(slot3).toMatch(/^ +3 \(idle\)/);
  });

  it('keeps the last unit of a slot with its state after the attempt ended', async () => {
    ui = await renderWithProviders();
    await ui.feed(
      started('parser'),
      ended('parser', 1, 'killed'),
      ev('unit:state', { runId: 1, unitId: 'parser', from: 'running', to: 'killed', reason: 'killed' }),
    );
    expect(paneLines(ui, 'Workers', 2)[1]).toMatch(/parser .* killed/);
  });
});

describe('cost', () => {
  const usage = (costUsd: number | null, inputTokens: number, outputTokens: number) => ({
    inputTokens,
    outputTokens,
    cachedTokens: 0,
    costUsd,
  });

  it('shows what each running attempt spent so far in Workers, and the run total in the header', async () => {
    // A resumed run: what it spent before this screen counts in the header.
    ui = await renderWithProviders({ info: missionInfo({ spent: usage(1, 10_000, 0) }) });
    await ui.feed(
      started('parser'),
      started('lexer'),
      ev('attempt:usage', { runId: 1, unitId: 'parser', attempt: 1, usage: usage(0.42, 12_000, 300) }),
      // An agent that reports tokens but no cost: tokens only.
      ev('attempt:usage', { runId: 1, unitId: 'lexer', attempt: 1, usage: usage(null, 900, 40) }),
    );
    vi.advanceTimersByTime(1000);
    await ui.feed();
    const [, parser, lexer] = paneLines(ui, 'Workers', 3);
    expect(parser).toMatch(/parser .* running .* \$0\.42 12\.3k tok/);
    expect(lexer).toMatch(/lexer .* running .* 940 tok/);
    expect(lexer).not.toContain('$');
    expect(ui.lines()[1]).toContain('0 blocked · $1.42 23.2k tok');

    // The attempt's end brings its final usage; the total keeps it once.
    await ui.feed(
      ended('parser', 1, 'handed-off', usage(0.5, 13_000, 400)),
      ev('unit:state', { runId: 1, unitId: 'parser', from: 'running', to: 'merging', reason: 'handed off' }),
    );
    vi.advanceTimersByTime(1000);
    await ui.feed();
    expect(paneLines(ui, 'Workers', 2)[1]).toMatch(/parser .* \$0\.50 13\.4k tok/);
    expect(ui.lines()[1]).toContain('$1.50 24.3k tok');
  });

  it('shows no cost column and no total while no agent reported usage', async () => {
    ui = await renderWithProviders();
    await ui.feed(started('parser'), output('parser', 'thinking'));
    vi.advanceTimersByTime(1000);
    await ui.feed();
    expect(ui.lastFrame()).not.toContain('tok');
    expect(ui.lastFrame()).not.toContain('$');
  });
});

describe('Units to retry', () => {
  it('appears when a unit is failed, blocked or killed, with why', async () => {
    ui = await renderWithProviders();
    expect(ui.lastFrame()).not.toContain('Units to retry');
    await ui.feed(
      ev('unit:state', {
        runId: 1,
        unitId: 'lexer',
        from: 'running',
        to: 'failed',
        reason: 'exit 1 three times',
      }),
      ev('unit:state', { runId: 1, unitId: 'cli', from: 'pending', to: 'blocked', reason: 'lexer failed' }),
    );
    const [title, lexer, cli] = paneLines(ui, 'Units to retry', 3);
    expect(title).toContain('Units to retry');
    expect(lexer).toMatch(/lexer +failed +exit 1 three times/);
    expect(cli).toMatch(/cli +blocked +lexer failed/);
  });
});

describe('Rounds', () => {
  it('has a row per round: done and failed, merges and rejections, health change, duration', async () => {
    ui = await renderWithProviders();
    const snapshot = (label: 'baseline' | 'round', round: number | null, passing: number) =>
      ev('health:snapshot', {
        runId: 1,
        round,
        commit: String(round ?? 0).repeat(40),
        label,
        passed: passing === 2,
        checks: ['tests', 'lint'].map((name, index) => ({
          name,
          passed: index < passing,
          exitCode: index < passing ? 0 : 1,
          outcome: 'exited' as const,
        })),
      });
    await ui.feed(
      snapshot('baseline', null, 1),
      ev('round:started', { runId: 1, round: 1 }),
      started('lexer'),
      ended('lexer', 1, 'failed'),
      snapshot('round', 1, 2),
      ev('round:ended', { runId: 1, round: 1, done: 3, failed: 0, merged: 3, rejected: 2 }),
      ev('round:started', { runId: 1, round: 2 }),
    );
    const [, round1, round2] = paneLines(ui, 'Rounds', 3);
    expect(round1).toMatch(/^ 1 3✓ 1✗ 3m 2r 2\/2 \+1 5s/);
    expect(round2).toMatch(/^ 2 0✓ 0✗ 0m 0r +0s…/);
  });
});

describe('Merge queue', () => {
  it('lists merges in flight by position, then ended ones: merged, or rejected with the class', async () => {
    ui = await renderWithProviders();
    await ui.feed(
      ev('merge:queued', { runId: 1, mergeId: 1, unitId: 'parser', attempt: 1, branch: 'b' }),
      ev('merge:queued', { runId: 1, mergeId: 2, unitId: 'lexer', attempt: 1, branch: 'b' }),
      ev('merge:queued', { runId: 1, mergeId: 3, unitId: 'cli', attempt: 1, branch: 'b' }),
      ev('merge:rebasing', { runId: 1, mergeId: 1, unitId: 'parser', onto: 'w' }),
      ev('merge:verifying', { runId: 1, mergeId: 1, unitId: 'parser', candidate: 'c' }),
      ev('merge:merged', { runId: 1, mergeId: 1, unitId: 'parser', commit: 'feedc0de00' }),
      ev('merge:rebasing', { runId: 1, mergeId: 2, unitId: 'lexer', onto: 'w' }),
      ev('merge:rejected', { runId: 1, mergeId: 2, unitId: 'lexer', class: 'conflict', detail: 'a.txt' }),
      ev('merge:rebasing', { runId: 1, mergeId: 3, unitId: 'cli', onto: 'w' }),
    );
    const lines = ui.lines();
    const top = lines.findIndex((line) => line.includes('Merge queue'));
    const column = (lines[top] ?? '').indexOf('Merge queue');
    const cells = lines.slice(top, top + 4).map((line) => line.slice(column, column + 35).trimEnd());
    expect(cells).toEqual([
      'Merge queue 1 in flight',
      ' 1 cli rebasing',
      ' - lexer rejected (conflict)',
      ' - parser merged feedc0d',
    ]);
  });
});

describe('Health', () => {
  it('shows the latest snapshot per check and the change against the previous one', async () => {
    ui = await renderWithProviders();
    const snapshot = (
      label: 'baseline' | 'round',
      states: Record<string, 'exited' | 'failed' | 'timed-out'>,
    ) =>
      ev('health:snapshot', {
        runId: 1,
        round: label === 'round' ? 1 : null,
        commit: (label === 'round' ? 'a' : 'b').repeat(40),
        label,
        passed: false,
        checks: Object.entries(states).map(([name, state]) => ({
          name,
          passed: state === 'exited',
          exitCode: state === 'exited' ? 0 : state === 'failed' ? 2 : null,
          outcome: state === 'timed-out' ? ('timed-out' as const) : ('exited' as const),
        })),
      });
    await ui.feed(
      snapshot('baseline', { tests: 'failed', lint: 'exited', types: 'exited' }),
      snapshot('round', { tests: 'exited', lint: 'failed', types: 'timed-out' }),
    );
    const lines = ui.lines();
    const top = lines.findIndex((line) => line.includes('Health'));
    const column = (lines[top] ?? '').indexOf('Health');
    const cells = lines.slice(top, top + 5).map((line) => line.slice(column).trimEnd());
    expect(cells).toEqual([
      'Health round 1 @aaaaaaa',
      '1 passed · 1 failed · 1 errors',
      'tests passed ↑ fixed',
      'lint failed ↓ broke (exit 2)',
      'types error ↓ broke',
    ]);
  });
});

describe('Health with parsed counts', () => {
  it('shows each check’s counts and how they moved, and marks a flaky check', async () => {
    ui = await renderWithProviders();
    const snapshot = (round: number, tests: [number, number, number], flaky = false) =>
      ev('health:snapshot', {
        runId: 1,
        round,
        commit: String(round).repeat(40),
        label: 'round',
        passed: tests[1] + tests[2] === 0,
        checks: [
          {
            name: 'tests',
            passed: tests[1] + tests[2] === 0,
            exitCode: tests[1] + tests[2] === 0 ? 0 : 1,
            outcome: 'exited' as const,
            counts: { passed: tests[0], failed: tests[1], errors: tests[2], warnings: 0, skipped: 1 },
            flaky,
          },
        ],
      });
    await ui.feed(snapshot(1, [40, 0, 0]), snapshot(2, [38, 2, 1], true));
    await ui.resize(160, 24);
    const lines = ui.lines();
    const row = lines.find((line) => line.includes('tests failed')) ?? '';
    expect(row.slice(row.indexOf('tests failed'))).toBe('tests failed ↓ broke 38✓ 2✗ 1! (+2✗ +1! -2✓) flaky');
  });
});

describe('Output', () => {
  it('shows the selected worker’s last lines from its ring buffer and the log path, following live', async () => {
    ui = await renderWithProviders();
    const lines = Array.from({ length: 40 }, (_, i) => `step ${i + 1}`);
    ui.control.outputs.set('parser', {
      unitId: 'parser',
      attempt: 1,
      lines,
      logPath: '/logs/parser-attempt-1.log',
    });
    await ui.feed(started('parser'), output('parser', 'step 40'));
    let frame = ui.lastFrame() ?? '';
    expect(frame).toContain('Output · parser #1 following live');
    expect(frame).toContain('log: /logs/parser-attempt-1.log');
    expect(frame).toContain('step 40');
    expect(frame).not.toContain('step 1\n');
    ui.control.outputs.set('parser', {
      unitId: 'parser',
      attempt: 1,
      lines: [...lines.slice(1), 'step 41 \u001b[1mbold\u001b[0m'],
      logPath: '/logs/parser-attempt-1.log',
    });
    await ui.feed(output('parser', 'step 41'));
    frame = ui.lastFrame() ?? '';
    expect(frame).toContain('step 41 bold');
    expect(frame).not.toContain('\u001b[1m');
  });

  it('names the log of a unit that is not running', async () => {
    ui = await renderWithProviders();
    await ui.feed(started('parser'), ended('parser', 1, 'failed'));
    const frame = ui.lastFrame() ?? '';
    expect(frame).toContain('parser has no output yet');
    expect(frame).toContain('log: /tmp/state/logs/run-1/parser-attempt-1.log');
  });
});

describe('Footer', () => {
  it('names the keys and shows the newest message', async () => {
    ui = await renderWithProviders();
    await ui.feed(ev('supervisor:warning', { runId: 1, message: 'gaffer/working fails its own checks' }));
    const lines = ui.lines();
    expect(lines.at(-1)).toBe(
      '↑↓ select · k kill · r retry · d discover · u units · ⏎ detail · p pause · q quit · ? help',
    );
    expect(lines.at(-2)).toBe('! gaffer/working fails its own checks');
  });
});
