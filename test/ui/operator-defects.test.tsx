/**
 * What an operator saw go wrong on the screen, each as a test: rounds that
 * counted nothing until they ended, a failed attempt that vanished, attempt
 * numbers that contradicted "no strike", a resumed run that started from
 * nothing, keys with no answer, and a selection that left its unit.
 */
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
  attemptEnded,
  footerMessage,
  paneLines,
  pressEscape,
  unitState,
} from './helpers.js';

let ui: Rendered | undefined;

useFakeClock(() => {
  ui?.unmount();
  ui = undefined;
});

describe('rounds count as they go (defect 4)', () => {
  it('a running round shows its merges, done units and failed attempts before it ends', async () => {
    ui = await renderWithProviders();
    await ui.feed(
      ev('round:started', { runId: 1, round: 1 }),
      started('parser'),
      attemptEnded('parser', 1, 'handed-off', { reason: 'handed off' }),
      unitState('parser', 'running', 'merging', 'handed off'),
      ev('merge:queued', { runId: 1, mergeId: 1, unitId: 'parser', attempt: 1, branch: 'gaffer/parser-1' }),
      ev('merge:merged', { runId: 1, mergeId: 1, unitId: 'parser', commit: 'c'.repeat(40) }),
      unitState('parser', 'merging', 'done', 'merged'),
      started('lexer'),
      attemptEnded('lexer', 1, 'failed', { reason: 'the checks failed' }),
      unitState('lexer', 'running', 'pending', 'the checks failed (attempt 1 of 3 used)'),
    );
    const [, round1] = paneLines(ui, 'Rounds', 2);
    expect(round1).toMatch(/^ 1 (\S+ )?1✓ 1✗ 1m 0r/);
  });
});

describe('a failed attempt with attempts left stays in view (defect 5)', () => {
  it('is listed as retrying, counted in the header, and its slot is not the next one taken', async () => {
    ui = await renderWithProviders({ info: missionInfo({ concurrency: 2 }) });
    await ui.feed(
      ev('round:started', { runId: 1, round: 1 }),
      started('lexer'),
      started('parser'),
      attemptEnded('parser', 1, 'handed-off', { reason: 'handed off' }),
      unitState('parser', 'running', 'merging', 'handed off'),
      attemptEnded('lexer', 1, 'failed', { reason: 'the checks failed: 2 tests' }),
      unitState('lexer', 'running', 'pending', 'the checks failed: 2 tests (attempt 1 of 3 used)'),
    );
    expect(ui.lines()[1]).toContain('1 retrying');
    const units = paneLines(ui, 'Units', 2);
    expect(units[1]).toMatch(/lexer +pending +the checks failed: 2 tests \(attempt 1 of 3 used\)/);
    // Its worker row says how it ended, not the last line the agent printed.
    expect(paneLines(ui, 'Workers', 3).join('\n')).toMatch(/lexer .*pending .*failed: the checks failed/);
    // The next attempt takes the slot whose attempt went well, not the failed one's.
    await ui.feed(started('cli'));
    const workers = paneLines(ui, 'Workers', 3).join('\n');
    expect(workers).toMatch(/ 1 lexer/);
    expect(workers).toMatch(/ 2 cli/);
  });

  it("an ended attempt shows its outcome instead of the last thing it printed (the handoff JSON's brace)", async () => {
    ui = await renderWithProviders();
    await ui.feed(
      started('parser'),
      output('parser', '}'),
      attemptEnded('parser', 1, 'handed-off', { reason: 'with 2 commits' }),
    );
    const row = paneLines(ui, 'Workers', 2)[1] ?? '';
    expect(row).toContain('handed off: with 2 commits');
    expect(row.trimEnd().endsWith('}')).toBe(false);
  });
});

describe('attempt numbers say strikes, not attempts (defect 9)', () => {
  it('a second attempt after a kill and a retry shows #2 with no strike, not 2/2', async () => {
    ui = await renderWithProviders({ info: missionInfo({ maxAttempts: 2 }) });
    await ui.feed(
      started('parser', 1, 0),
      attemptEnded('parser', 1, 'killed', { reason: 'killed by the operator' }),
      unitState('parser', 'running', 'killed', 'killed by the operator (no strike)'),
      unitState('parser', 'killed', 'pending', 'retried by the operator'),
      started('parser', 2, 0),
    );
    const row = paneLines(ui, 'Workers', 2)[1] ?? '';
    expect(row).toMatch(/parser .*#2 +running/);
    expect(row).not.toContain('2/2');
  });

  it('a strike is shown against the most allowed', async () => {
    ui = await renderWithProviders({ info: missionInfo({ maxAttempts: 3 }) });
    await ui.feed(started('parser', 3, 2));
    expect(paneLines(ui, 'Workers', 2)[1]).toMatch(/#3 2✗\/3 +running/);
  });
});

describe('a resumed run starts from its history (defect 10)', () => {
  it('shows its earlier rounds, merges, green commit and elapsed time from its first start', async () => {
    const first = Date.parse('2026-01-01T09:00:00.000Z');
    const at = (seconds: number): string => new Date(first + seconds * 1000).toISOString();
    const history: GafferEvent[] = [
      ev(
        'run:started',
        { runId: 1, planName: 'demo-plan', repo: '/r', resumed: false, units: 3, maxRounds: 3 },
        at(0),
      ),
      ev('round:started', { runId: 1, round: 1 }, at(1)),
      ev(
        'unit:state',
        { runId: 1, unitId: 'parser', from: 'pending', to: 'running', reason: 'started' },
        at(2),
      ),
      ev(
        'merge:queued',
        { runId: 1, mergeId: 7, unitId: 'parser', attempt: 1, branch: 'gaffer/parser-1' },
        at(3),
      ),
      ev('merge:merged', { runId: 1, mergeId: 7, unitId: 'parser', commit: 'd'.repeat(40) }, at(4)),
      ev(
        'branch:promoted',
        {
          runId: 1,
          branch: 'gaffer/green',
          role: 'green',
          from: null,
          to: 'd'.repeat(40),
        },
        at(5),
      ),
      ev('round:ended', { runId: 1, round: 1, done: 1, failed: 0, merged: 1, rejected: 0 }, at(6)),
      ev('run:ended', { runId: 1, status: 'interrupted', reason: 'SIGTERM' }, at(7)),
    ];
    ui = await renderWithProviders({
      info: missionInfo({
        history,
        units: [
          { id: 'parser', title: 'Add the parser', dependsOn: [], status: 'done' },
          { id: 'lexer', title: 'Add the lexer', dependsOn: [], status: 'pending' },
        ],
      }),
    });
    // This session's start: the run resumes an hour after it first started.
    await ui.feed(
      ev('run:started', {
        runId: 1,
        planName: 'demo-plan',
        repo: '/r',
        resumed: true,
        units: 2,
        maxRounds: 3,
      }),
    );
    const header = ui.lines()[0] ?? '';
    expect(header).toContain(`green ${'d'.repeat(7)}`);
    expect(header).not.toContain('interrupted');
    expect(header).toMatch(/1h0\dm/);
    expect(paneLines(ui, 'Rounds', 2)[1]).toMatch(/^ 1 (\S+ )?1✓ 0✗ 1m 0r/);
    expect(ui.lines().join('\n')).toMatch(/#7 parser|parser .*merged/);
    expect(ui.lines()[1]).toContain('1 done');
    // Nothing runs at a resume: the unit that was running in the history is not shown running.
    expect(paneLines(ui, 'Workers', 1)[0]).toContain('0/');
  });
});

describe('every key answers (defect 11)', () => {
  it('an unknown key says it does nothing and where the keys are', async () => {
    ui = await renderWithProviders();
    await ui.press('z');
    expect(footerMessage(ui)).toBe('· "z" does nothing here: ? lists the keys');
  });

  it('n or Esc in the quit dialog says the quit was cancelled', async () => {
    ui = await renderWithProviders();
    ui.control.live = [{ unitId: 'parser', attempt: 1, startedAt: 0 }];
    await ui.press('q');
    expect(ui.lastFrame()).toContain('Quit?');
    await ui.press('n');
    expect(footerMessage(ui)).toBe('· quit cancelled: the mission goes on');
    await ui.press('x');
    expect(footerMessage(ui)).toBe('· "x" does nothing here: ? lists the keys');
    await ui.press('q');
    await pressEscape(ui);
    expect(footerMessage(ui)).toBe('· quit cancelled: the mission goes on');
    expect(ui.control.calls).toEqual([]);
  });

  it('after a kill the selection stays on the killed unit, not on the unit that takes its slot', async () => {
    ui = await renderWithProviders({ info: missionInfo({ concurrency: 1 }) });
    await ui.feed(started('parser'));
    ui.control.live = [{ unitId: 'parser', attempt: 1, startedAt: 0 }];
    await ui.press('k', 'y');
    expect(ui.control.calls).toEqual([{ command: 'kill', arg: 'parser' }]);
    ui.control.live = [];
    await ui.feed(
      attemptEnded('parser', 1, 'killed', { reason: 'killed by the operator' }),
      unitState('parser', 'running', 'killed', 'killed by the operator (no strike)'),
      started('lexer'),
    );
    expect(ui.store.getSnapshot().selection.unitId).toBe('parser');
    expect(ui.store.getSnapshot().selection.pane).toBe('units');
    await ui.press('r');
    expect(ui.control.calls.at(-1)).toEqual({ command: 'retry', arg: 'parser' });
  });
});
