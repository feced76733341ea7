/**
 * The output pane beyond the ring buffer: an ended attempt's output read back
 * from its log on disk, scrolling (PgUp/PgDn/Home/End), stopping and resuming
 * following (f) while new lines arrive, and `l` handing the log to the pager
 * service. The logs are real files; RecordingControl reads them with the
 * controller's own window reader.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandResult } from '../../src/controller/control.js';
import { makeTempDir, removeTempDir } from '../helpers/cli.js';
import { ev, KEY, output, renderWithProviders, started, type Rendered } from './helpers.js';

let ui: Rendered | undefined;
let temp: string | undefined;

afterEach(() => {
  ui?.unmount();
  ui = undefined;
  removeTempDir(temp);
  temp = undefined;
});

function writeLog(name: string, lines: string[]): string {
  temp ??= makeTempDir();
  const file = `${temp}/${name}`;
  fs.writeFileSync(file, lines.map((line) => `${line}\n`).join(''));
  return file;
}

const numbered = (text: string, count: number, first = 1): string[] =>
  Array.from({ length: count }, (_, i) => `${text} ${first + i}`);

/** The numbers of the `text N` lines on screen, top to bottom. */
function visible(rendered: Rendered, text: string): number[] {
  return rendered
    .lines()
    .flatMap((line) => new RegExp(`^${text} (\\d+)\\s*$`).exec(line.trim())?.[1] ?? [])
    .map(Number);
}

function ended(unitId: string, attempt: number, outcome: 'failed' | 'killed') {
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
    usage: null,
  });
}

/** parser's third attempt failed after printing `count` lines; the log is on disk. */
async function failedParser(count: number): Promise<{ ui: Rendered; logPath: string }> {
  const logPath = writeLog('parser-attempt-3.log', [
    'gaffer: attempt 3 of parser starts cold: fresh session',
    ...numbered('done line', count),
  ]);
  const rendered = await renderWithProviders();
  rendered.control.logs.set('parser', [
    { attempt: 2, outcome: 'killed', logPath: `${temp}/parser-attempt-2.log` },
    { attempt: 3, outcome: 'failed', logPath },
  ]);
  await rendered.feed(
    started('parser', 3),
    output('parser', 'done line 1', 3),
    ended('parser', 3, 'failed'),
    ev('unit:state', { runId: 1, unitId: 'parser', from: 'running', to: 'failed', reason: 'exit 1' }),
  );
  return { ui: rendered, logPath };
}

describe('an attempt that ended', () => {
  it('shows the end of its log, from the Workers pane and from Units to retry', async () => {
    let logPath: string;
    ({ ui, logPath } = await failedParser(200));
    let frame = ui.lastFrame() ?? '';
    expect(frame).toContain('Output · parser #3 ended: failed the end of its log');
    expect(frame).toContain(`log: ${logPath}`);
    expect(frame).not.toContain('not running now');
    expect(visible(ui, 'done line').at(-1)).toBe(200);
    await ui.feed(
      ev('unit:state', { runId: 1, unitId: 'parser', from: 'running', to: 'failed', reason: 'x' }),
    );
    await ui.press(KEY.tab);
    frame = ui.lastFrame() ?? '';
    expect(frame).toContain('Output · parser #3 ended: failed');
    expect(visible(ui, 'done line').at(-1)).toBe(200);
  });

  it('a unit that never ran says so, and `l` opens nothing', async () => {
    const opened: string[] = [];
    ui = await renderWithProviders({
      openPager: (file) => {
        opened.push(file);
        return Promise.resolve({ ok: true, message: 'paged' });
      },
    });
    await ui.press('l');
    expect(ui.lastFrame()).toContain('✗ no log to open: select a worker or a unit with ↑/↓');
    await ui.feed(
      ev('unit:state', { runId: 1, unitId: 'lexer', from: 'pending', to: 'blocked', reason: 'x' }),
    );
    await ui.press(KEY.tab);
    expect(ui.lastFrame()).toContain('lexer has no output yet: no attempt has started');
    await ui.press('l');
    expect(ui.lastFrame()).toContain('✗ lexer has no log yet: no attempt has started');
    await ui.press(KEY.pageUp);
    expect(ui.lastFrame()).toContain('✗ lexer has no output yet: it has not started');
    expect(opened).toEqual([]);
  });
});

describe('scrolling', () => {
  it('PgUp and PgDn move a page through the log, Home shows its first lines, End the newest again', async () => {
    ({ ui } = await failedParser(300));
    const bottom = visible(ui, 'done line');
    const page = bottom.length;
    expect(page).toBeGreaterThan(2);
    expect(bottom.at(-1)).toBe(300);

    await ui.press(KEY.pageUp);
    expect(ui.lastFrame()).toMatch(/Output · parser #3 ended: failed stopped · at \d+% · End follows/);
    expect(visible(ui, 'done line')).toEqual(numbered('', page, 301 - 2 * page).map(Number));
    await ui.press(KEY.pageUp, KEY.pageUp);
    expect(visible(ui, 'done line').at(-1)).toBe(300 - 3 * page);
    await ui.press(KEY.pageDown);
    expect(visible(ui, 'done line').at(-1)).toBe(300 - 2 * page);

    await ui.press(KEY.home);
    expect(ui.lastFrame()).toContain('gaffer: attempt 3 of parser starts cold');
    expect(visible(ui, 'done line')[0]).toBe(1);
    expect(ui.lastFrame()).toMatch(/stopped · at \d% · End follows/);
    await ui.press(KEY.pageUp);
    expect(visible(ui, 'done line')[0]).toBe(1);

    await ui.press(KEY.end);
    expect(ui.lastFrame()).toContain('the end of its log');
    expect(visible(ui, 'done line').at(-1)).toBe(300);
    expect(ui.lastFrame()).toContain('✓ following the output again');
  });

  it('f stops following: new lines do not move the view and are counted; End follows again', async () => {
    const lines = numbered('work', 50);
    const logPath = writeLog('parser-attempt-1.log', lines);
    ui = await renderWithProviders();
    ui.control.logs.set('parser', [{ attempt: 1, outcome: 'running', logPath }]);
    ui.control.outputs.set('parser', { unitId: 'parser', attempt: 1, lines, logPath });
    await ui.feed(started('parser'), ...lines.map((line) => output('parser', line)));
    expect(ui.lastFrame()).toContain('Output · parser #1 following live');
    expect(visible(ui, 'work').at(-1)).toBe(50);

    await ui.press('f');
    expect(ui.lastFrame()).toContain('✓ stopped following');
    const more = numbered('work', 12, 51);
    fs.appendFileSync(logPath, more.map((line) => `${line}\n`).join(''));
    ui.control.outputs.set('parser', { unitId: 'parser', attempt: 1, lines: [...lines, ...more], logPath });
    await ui.feed(...more.map((line) => output('parser', line)));
    expect(ui.lastFrame()).toMatch(/Output · parser #1 stopped · at 8\d% · 12 new lines · End follows/);
    expect(visible(ui, 'work').at(-1)).toBe(50);

    await ui.press('f');
    expect(ui.lastFrame()).toContain('Output · parser #1 following live');
    expect(visible(ui, 'work').at(-1)).toBe(62);
    await ui.press('f', KEY.pageUp, KEY.end);
    expect(visible(ui, 'work').at(-1)).toBe(62);
    expect(ui.lastFrame()).toContain('following live');
  });
});

describe('l', () => {
  it('hands the shown attempt’s log to the pager service and shows its answer', async () => {
    const opened: string[] = [];
    const answers: CommandResult[] = [
      { ok: true, message: 'back from the pager (less -R)' },
      { ok: false, message: 'the pager "nope" was not found: sh: 1: nope: not found' },
    ];
    const logPath = writeLog('parser-attempt-3.log', numbered('done line', 5));
    ui = await renderWithProviders({
      openPager: (file) => {
        opened.push(file);
        return Promise.resolve(answers.shift() ?? { ok: true, message: 'again' });
      },
    });
    ui.control.logs.set('parser', [{ attempt: 3, outcome: 'failed', logPath }]);
    await ui.feed(started('parser', 3), ended('parser', 3, 'failed'));
    await ui.press('l');
    expect(opened).toEqual([logPath]);
    expect(ui.lastFrame()).toContain('✓ back from the pager (less -R)');
    await ui.press('l');
    expect(ui.lastFrame()).toContain('✗ the pager "nope" was not found: sh: 1: nope: not found');
  });
});
