import chalk from 'chalk';
import { describe, expect, it } from 'vitest';
import type { GafferEvents, UnitOrigin } from '../../src/events/types.js';
import { ev, renderWithProviders, started, type Rendered, useFakeClock, footerMessage } from './helpers.js';

let ui: Rendered | undefined;

useFakeClock(() => {
  ui?.unmount();
  ui = undefined;
});

function added(unitId: string, origin: UnitOrigin, discoveredFrom: string | null = null) {
  return ev('unit:added', {
    runId: 1,
    unitId,
    title: `Title of ${unitId}`,
    dependsOn: [],
    origin,
    discoveredFrom,
  });
}

/** The unit's row in the Units pane (a worker row has the slot number, then the title). */
const rowOf = (rendered: Rendered, unitId: string): string | undefined =>
  rendered
    .lines()
    .find((line) => new RegExp(`^. . ${unitId} +(pending|failed|blocked|killed|removed) `).test(line));
describe('units added while running', () => {
  it('appear in the Units pane with the mark of their origin and where they came from', async () => {
    ui = await renderWithProviders();
    await ui.resize(120, 30);
    await ui.feed(
      added('fix-math', 'discovery', 'check "tests" on cccccccccc'),
      added('docs', 'edit'),
      added('fixup-lint', 'fixup', 'check "lint" broke on the working branch'),
    );
    expect(ui.lastFrame()).toContain('Units');
    expect(ui.lastFrame()).not.toContain('Units to retry');
    expect(rowOf(ui, 'fix-math')).toMatch(
      /^ {2}\+ fix-math +pending +added by discovery from check "tests" on cccccccccc: Title of fix-math/,
    );
    expect(rowOf(ui, 'docs')).toMatch(
      /^ {2}~ docs +pending +added by an edit of the plan file: Title of docs/,
    );
    expect(rowOf(ui, 'fixup-lint')).toMatch(/^ {2}! fixup-lint +pending +added by a fixup from check "lint"/);
    expect(ui.lines()[1]).toContain('6 pending');
    expect(ui.lines()[1]).toContain('3 added');
    // The message line tells the newest.
    expect(footerMessage(ui)).toBe(
      '· fixup-lint added by a fixup: Title of fixup-lint (from check "lint" broke on the working branch)',
    );
  });

  it('leave the pane when they start, and come back marked if they fail', async () => {
    ui = await renderWithProviders();
    await ui.feed(added('fix-math', 'discovery', 'a handoff of parser'));
    expect(rowOf(ui, 'fix-math')).toBeDefined();
    await ui.feed(started('fix-math'));
    expect(rowOf(ui, 'fix-math')).toBeUndefined();
    await ui.feed(
      ev('unit:state', { runId: 1, unitId: 'fix-math', from: 'running', to: 'failed', reason: 'exit 1' }),
    );
    expect(rowOf(ui, 'fix-math')).toMatch(/^ {2}\+ fix-math +failed +exit 1/);
    expect(ui.lastFrame()).toContain('Units to retry');
  });
});

describe('removed units', () => {
  it('are counted and shown as removed, never as pending', async () => {
    ui = await renderWithProviders();
    expect(ui.lines()[1]).toMatch(/ 0\/3 · 3 pending/);
    await ui.feed(
      ev('unit:state', {
        runId: 1,
        unitId: 'cli',
        from: 'pending',
        to: 'removed',
        reason: 'an edit of the plan file removed it',
      }),
    );
    // Removed is settled: it counts toward the progress, never as pending.
    expect(ui.lines()[1]).toMatch(/ 1\/3 · 2 pending/);
    expect(ui.lines()[1]).toContain('1 removed');
    expect(rowOf(ui, 'cli')).toMatch(/^ {4}cli +removed +an edit of the plan file removed it/);
  });
});

describe('overlap waits', () => {
  const overlap: GafferEvents['unit:overlap'] = {
    runId: 1,
    unitId: 'lexer',
    waitsFor: 'parser',
    files: ['src/parse.ts'],
    reason: 'both are expected to touch src/parse.ts',
  };

  it('show on the waiting unit row until it starts', async () => {
    ui = await renderWithProviders();
    await ui.feed(started('parser'), ev('unit:overlap', overlap));
    expect(rowOf(ui, 'lexer')).toMatch(/^ {4}lexer +pending +waits for parser \(overlap\)/);
    await ui.feed(started('lexer'));
    expect(ui.lastFrame()).not.toContain('waits for parser');
    expect(rowOf(ui, 'lexer')).toBeUndefined();
  });

  it('of a unit that already left pending are not shown', async () => {
    ui = await renderWithProviders();
    await ui.feed(started('lexer'), ev('unit:overlap', overlap));
    expect(ui.lastFrame()).not.toContain('(overlap)');
  });
});

describe('plan edits on the message line', () => {
  const path = '/tmp/repo/plan.json';

  it('a taken edit says what changed, and what it did not take', async () => {
    ui = await renderWithProviders();
    await ui.feed(
      ev('plan:edited', {
        runId: 1,
        path,
        added: [],
        updated: [{ id: 'lexer', fields: ['prompt', 'depends_on'] }],
        removed: ['cli'],
        refused: [],
        objectiveChanged: false,
      }),
    );
    expect(footerMessage(ui)).toBe('✓ plan edited: updated lexer (prompt, depends_on); removed cli');
    await ui.feed(
      ev('plan:edited', {
        runId: 1,
        path,
        added: [],
        updated: [],
        removed: [],
        refused: ['parser is running: its new prompt is not taken'],
        objectiveChanged: false,
      }),
    );
    expect(footerMessage(ui)).toBe(
      '✗ plan edited: not taken: parser is running: its new prompt is not taken',
    );
  });

  it('a rejected edit shows in the error colour with its first line, and stays until the next message', async () => {
    ui = await renderWithProviders();
    await ui.resize(200, 24);
    await ui.feed(
      ev('plan:edit-rejected', {
        runId: 1,
        path,
        error: `the plan ${path} is invalid:\n  units[2].depends_on: unknown unit "nope"\n  dependency cycle: a -> b -> a`,
      }),
    );
    const expected = `! plan edit ignored, the running plan stays as it was: the plan ${path} is invalid:`;
    expect(footerMessage(ui)?.startsWith(expected)).toBe(true);
    expect(footerMessage(ui)).toContain('(+2 lines');
    // Still there after unrelated events.
    await ui.feed(started('parser'), ev('round:started', { runId: 1, round: 1 }));
    expect(footerMessage(ui)?.startsWith(expected)).toBe(true);
    await ui.feed(ev('supervisor:warning', { runId: 1, message: 'something else' }));
    expect(footerMessage(ui)).toBe('! something else');
  });

  it('the rejection is red on screen', async () => {
    const level = chalk.level;
    chalk.level = 1;
    try {
      ui = await renderWithProviders();
      await ui.feed(ev('plan:edit-rejected', { runId: 1, path, error: 'Unexpected end of JSON input' }));
      const raw = (ui.lastFrame() ?? '').split('\n').at(-2) ?? '';
      // Red: SGR 31.
      expect(raw).toMatch(
        /^\u001b\[31m! plan edit ignored, the running plan stays as it was: Unexpected end/,
      );
    } finally {
      chalk.level = level;
    }
  });

  it('a discovery pass says what it found', async () => {
    ui = await renderWithProviders();
    await ui.feed(
      ev('discovery:ran', {
        runId: 1,
        trigger: 'the d key',
        proposed: 2,
        duplicates: 1,
        note: 'cap of 5 per round',
      }),
    );
    expect(footerMessage(ui)).toBe('· discovery (the d key): 2 proposed, 1 duplicate; cap of 5 per round');
  });
});
