/**
 * The UI end to end in a real terminal: the built CLI runs in a detached tmux
 * session (120x40), the screen is read with `tmux capture-pane`, keys go in
 * with `tmux send-keys`, and `gaffer status --json` confirms each command in
 * the database. Every wait polls with a deadline; nothing sleeps blindly.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git, makeRepo, makeTempDir, writeJson } from '../helpers/cli.js';
import { exitCodeOf, launcher, status, tearDown, Tmux, unitOf } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait.js';

let tmux: Tmux | undefined;
let root: string | undefined;

/** The demo is a whole mission, several rounds of agents and checks, before gaffer exits. */
const DEMO_DEADLINE_MS = 180_000;
/** Longer than any test here can last: the sleepers are still running whenever the test looks at them. */
const SLEEP_MS = 3_600_000;

afterEach(async () => {
  const [open, dir] = [tmux, root];
  tmux = undefined;
  root = undefined;
  // A test that failed early leaves gaffer running: the hangup stops it gracefully, still writing its state.
  await tearDown(open, dir);
});

/** The screen row of a worker slot showing `unitId`. */
const rowOf = (screen: string, unitId: string): string =>
  screen.split('\n').find((line) => new RegExp(`^[ ›] +\\d+ ${unitId} `).test(line)) ?? '';

describe('the live UI in tmux', () => {
  it('gaffer demo shows every pane, runs to its end and exits 0', async () => {
    root = makeTempDir();
    tmux = new Tmux(launcher(root, ['demo', '--dir', path.join(root, 'demo')]));
    const screen = await tmux.waitForScreen('the panes', (text) =>
      [
        'gaffer sample-calc',
        'round ',
        'Workers',
        'Rounds',
        'Merge queue',
        'Health',
        'Output',
        'q quit',
      ].every((part) => text.includes(part)),
    );
    expect(screen).toMatch(/\d+ pending · \d+ running · \d+ merging · \d+ done · \d+ failed · \d+ blocked/);
    expect(await exitCodeOf(root, DEMO_DEADLINE_MS)).toBe(0);
    // tmux draws what gaffer wrote last on its own time: the exit code can be there before the screen is.
    await tmux.waitForScreen('the summary', (text) =>
      text.includes('run #1 of plan "sample-calc": completed'),
    );
  }, 300_000);

  it('k kills the selected attempt, r runs it again, q with y quits cleanly and resumably', async () => {
    root = makeTempDir();
    const repo = makeRepo(path.join(root, 'repo'));
    const sleeper = (id: string) => ({
      id,
      title: `${id} sleeps`,
      prompt: [
        `@print 3 ${id} is working`,
        `@sleep ${SLEEP_MS}`,
        `@write ${id}.txt ${id}`,
        `@commit ${id}`,
      ].join('\n'),
    });
    writeJson(path.join(root, 'plan.json'), { name: 'e2e', units: [sleeper('slow'), sleeper('steady')] });
    const configPath = writeJson(path.join(root, 'gaffer.json'), {
      repo: 'repo',
      plan: 'plan.json',
      concurrency: 2,
      maxAttempts: 1,
      killGraceMs: 500,
      rounds: { max: 1 },
    });
    tmux = new Tmux(launcher(root, ['run', '--config', configPath]));

    let screen = await tmux.waitForScreen(
      'both attempts running',
      (text) => /running/.test(rowOf(text, 'slow')) && /running/.test(rowOf(text, 'steady')),
    );
    for (const part of ['gaffer e2e', 'Workers 2/2 busy', 'Rounds', 'Merge queue', 'Health', 'Output']) {
      expect(screen).toContain(part);
    }
    // Select slow's slot: the first row is selected to begin with.
    if (!rowOf(screen, 'slow').startsWith('›')) tmux.send('Down');
    screen = await tmux.waitForScreen('slow selected', (text) => rowOf(text, 'slow').startsWith('›'));
    await tmux.waitForScreen('slow’s output followed live', (text) => text.includes('Output · slow #1'));

    // k asks first: the dialog names the attempt, y kills it.
    tmux.send('k');
    await tmux.waitForScreen('the kill dialog', (text) => text.includes('Kill attempt 1 of slow?'));
    tmux.send('y');
    screen = await tmux.waitForScreen(
      'slow killed on screen',
      (text) => /killed/.test(rowOf(text, 'slow')) && text.includes('Units to retry'),
    );
    expect(screen).toContain('✓ attempt 1 of slow is ending');
    expect(rowOf(screen, 'steady')).toMatch(/running/);
    const killed = await waitFor('slow killed in the database', () => {
      const unit = unitOf(status(configPath), 'slow');
      return unit?.status === 'killed' ? unit : undefined;
    });
    expect(killed).toMatchObject({ strikes: 0, attempts: [{ number: 1, outcome: 'killed' }] });

    tmux.send('r');
    screen = await tmux.waitForScreen('slow running again', (text) =>
      /#2 +running/.test(rowOf(text, 'slow')),
    );
    expect(screen).not.toContain('Units to retry');
    const again = await waitFor('slow’s second attempt in the database', () => {
      const unit = unitOf(status(configPath), 'slow');
      return unit?.status === 'running' && unit.attempts.length === 2 ? unit : undefined;
    });
    expect(again.attempts.map((attempt) => attempt.outcome)).toEqual(['killed', 'running']);

    // A resize to 80x24 and back: the frame follows, every pane heading still there.
    tmux.resize(80, 24);
    screen = await tmux.waitForScreen('the frame redrawn for 80x24', (text) => {
      const lines = text.split('\n');
      return (
        ['Workers 2/2 busy', 'Rounds', 'Merge queue', 'Health', 'Output', 'q quit'].every((part) =>
          text.includes(part),
        ) && lines.every((line) => [...line].length <= 80)
      );
    });
    expect(screen.split('\n').filter((line) => line.trim() !== '').length).toBeLessThanOrEqual(24);
    tmux.resize(120, 40);
    await tmux.waitForScreen('the frame back at 120 columns', (text) =>
      rowOf(text, 'slow').includes('slow sleeps'),
    );

    tmux.send('q');
    await tmux.waitForScreen('the confirmation', (text) => text.includes('Quit? 2 attempts are running.'));
    tmux.send('y');
    expect(await exitCodeOf(root)).toBe(0);
    await tmux.waitForScreen('the run reported interrupted', (text) => text.includes('interrupted'));
    const final = status(configPath);
    expect(final.run).toMatchObject({ status: 'interrupted' });
    expect(final.run.reason).toContain('stopped by the operator');
    // Ended cleanly: nothing still marked running, no strike charged, and the run resumable.
    for (const unit of final.units) {
      expect(unit.status, unit.id).not.toBe('running');
      expect(unit.strikes, unit.id).toBe(0);
      for (const attempt of unit.attempts)
        expect(attempt.outcome, `${unit.id}#${attempt.number}`).not.toBe('running');
    }
    expect(git(repo, 'status', '--porcelain')).toBe('');
  }, 300_000);
});
