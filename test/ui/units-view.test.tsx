/**
 * The Units view (`u`): every unit with its state, what it waits on, its
 * attempts and cost; sorted with `s`, filtered with `/`, moved with j/k.
 */
import { describe, expect, it } from 'vitest';
import {
  KEY,
  missionInfo,
  renderWithProviders,
  started,
  type Rendered,
  useFakeClock,
  attemptEnded,
  footerMessage,
  pressEscape,
  unitState,
} from './helpers.js';

let ui: Rendered | undefined;

useFakeClock(() => {
  ui?.unmount();
  ui = undefined;
});

/** The view's unit rows, in order: the lines with a state word after an id. */
function unitRows(rendered: Rendered): string[] {
  return rendered
    .lines()
    .filter((line) =>
      /│ [› ] . \S+ +(pending|running|merging|done|failed|blocked|killed|removed)/.test(line),
    );
}

async function mission(): Promise<Rendered> {
  const rendered = await renderWithProviders({
    info: missionInfo({
      units: [
        { id: 'parser', title: 'Add the parser', dependsOn: [] },
        { id: 'lexer', title: 'Add the lexer', dependsOn: [] },
        { id: 'cli', title: 'Wire the CLI', dependsOn: ['parser', 'lexer'] },
        { id: 'docs', title: 'Write the docs 文档', dependsOn: [] },
      ],
    }),
  });
  rendered.store.getSnapshot();
  await rendered.feed(
    started('lexer', 1, 0),
    attemptEnded('lexer', 1, 'failed', { costUsd: 0.5 }),
    unitState('lexer', 'running', 'pending', 'checks failed (attempt 1 of 3 used)'),
    started('lexer', 2, 1),
    attemptEnded('lexer', 2, 'failed', { costUsd: 0.25 }),
    unitState('lexer', 'running', 'pending', 'checks failed (attempt 2 of 3 used)'),
    started('docs', 1, 0),
    attemptEnded('docs', 1, 'handed-off', { costUsd: 2 }),
    unitState('docs', 'running', 'merging', 'handed off'),
    unitState('docs', 'merging', 'done', 'merged'),
    started('parser', 1, 0),
  );
  return rendered;
}

describe('the Units view', () => {
  it('u lists every unit in plan order with its state, attempts, cost and what it waits on; Esc closes', async () => {
    ui = await mission();
    await ui.resize(120, 30);
    await ui.press('u');
    const rows = unitRows(ui);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(/parser +running +1…/);
    expect(rows[1]).toMatch(/lexer +pending +1✗ 2✗ +\$0\.75 .*checks failed \(attempt 2 of 3 used\)/);
    expect(rows[2]).toMatch(/cli +pending .*waits for parser, lexer/);
    expect(rows[3]).toMatch(/docs +done +1✓ +\$2\.00/);
    expect(ui.lastFrame()).toContain('Units: 4 · by plan order');
    await pressEscape(ui);
    expect(ui.lastFrame()).not.toContain('Units: 4');
  });

  it('s cycles the order and says which; by state what needs the operator comes first', async () => {
    ui = await mission();
    await ui.resize(120, 30);
    await ui.press('u', 's');
    expect(footerMessage(ui)).toBe('· units sorted by state (needs you first)');
    expect(unitRows(ui).map((row) => /([a-z]+) +(pending|running|done)/.exec(row)?.[1])).toEqual([
      'parser',
      'lexer',
      'cli',
      'docs',
    ]);
    await ui.press('s');
    expect(footerMessage(ui)).toBe('· units sorted by most attempts');
    expect(unitRows(ui)[0]).toMatch(/lexer/);
    await ui.press('s');
    expect(footerMessage(ui)).toBe('· units sorted by highest cost');
    expect(unitRows(ui)[0]).toMatch(/docs/);
  });

  it('/ filters as one types (id, title, state, reason); Enter keeps it, Esc clears it', async () => {
    ui = await mission();
    await ui.resize(120, 30);
    await ui.press('u', '/', 'p', 'e', 'n', 'd');
    expect(ui.lastFrame()).toContain('Units: 2 of 4');
    expect(ui.lastFrame()).toContain('/pend▏');
    expect(unitRows(ui).map((row) => /([a-z]+) +pending/.exec(row)?.[1])).toEqual(['lexer', 'cli']);
    await ui.press('\r');
    expect(ui.lastFrame()).toContain('/pend');
    expect(ui.lastFrame()).not.toContain('/pend▏');
    // Keys act again once the filter is kept: j moves, r retries the selected unit.
    await ui.press('j', 'r');
    expect(ui.control.calls).toEqual([{ command: 'retry', arg: 'cli' }]);
    await pressEscape(ui);
    expect(ui.lastFrame()).toContain('Units: 4 ·');
    await ui.press('/', 'z', 'z', 'z');
    expect(ui.lastFrame()).toContain('No unit matches "zzz": Esc clears the filter.');
  });

  it('j/k and the arrows move; K asks before it kills the selected running unit', async () => {
    ui = await mission();
    await ui.resize(120, 30);
    ui.control.live = [{ unitId: 'parser', attempt: 1, startedAt: 0 }];
    await ui.press('u', 'j', 'j', 'k', KEY.down);
    expect(ui.store.selectedUnit()?.id).toBe('cli');
    await ui.press('G');
    expect(ui.store.selectedUnit()?.id).toBe('docs');
    await ui.press('g', 'K');
    expect(ui.lastFrame()).toContain('Kill attempt 1 of parser?');
    await ui.press('y');
    expect(ui.control.calls).toEqual([{ command: 'kill', arg: 'parser' }]);
    // Back in the Units view after the dialog.
    expect(ui.lastFrame()).toContain('Units: 4');
  });

  it('fits 60x20 without a line wider than the screen, a CJK title included', async () => {
    ui = await mission();
    await ui.resize(60, 20);
    await ui.press('u');
    const lines = ui.lines();
    expect(lines.length).toBeLessThanOrEqual(19);
    // The view's own lines (its frame); the header's fit is the layout's test.
    for (const line of lines.filter((l) => /^[│╭╰]/.test(l)))
      expect([...line].length).toBeLessThanOrEqual(60);
    expect(unitRows(ui).length).toBeGreaterThanOrEqual(4);
  });
});
