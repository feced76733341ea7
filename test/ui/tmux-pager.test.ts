/**
 * `l` in a real terminal: gaffer hands the terminal to $PAGER (a fixture that
 * shows a marker and the log's first lines, then reads one line typed in the
 * terminal) and takes it back. While the pager runs, gaffer draws nothing
 * and reads no key (the pager gets them all, a Ctrl-C included); afterwards
 * the whole frame is back and keys work again. The mission goes on
 * throughout.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { CLI_PATH, makeRepo, makeTempDir, removeTempDir, writeJson } from '../helpers/cli.js';
import { exitCodeOf, launcher, processesIn, Tmux } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait.js';

let tmux: Tmux | undefined;
let root: string | undefined;

afterEach(async () => {
  tmux?.killServer();
  tmux = undefined;
  const dir = root;
  root = undefined;
  try {
    if (dir !== undefined)
      await waitFor('gaffer and its children to end', () =>
        processesIn(dir).length === 0 ? true : undefined,
      );
  } finally {
    removeTempDir(dir);
  }
});

/** The pager: a marker, the log's first lines, then one line typed in the terminal, written to `got`. */
function fixturePager(dir: string): { script: string; got: string } {
  const script = path.join(dir, 'fixture-pager.sh');
  const got = path.join(dir, 'pager-got');
  fs.writeFileSync(
    script,
    [
      '#!/bin/sh',
      'echo "FIXTURE-PAGER shows $1"',
      'head -n 2 "$1"',
      'IFS= read -r typed',
      `printf '%s\\n' "$typed" > '${got}'`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return { script, got };
}

function runStatus(configPath: string): string {
  const out = execFileSync(process.execPath, [CLI_PATH, 'status', '--config', configPath, '--json'], {
    encoding: 'utf8',
  });
  return (JSON.parse(out) as { run: { status: string } }).run.status;
}

/** The frame is Ink's: its panes and footer are on screen. */
const isFrame = (text: string): boolean =>
  ['Workers', 'Output · slow #1', 'q quit'].every((part) => text.includes(part));

it('l opens the log in $PAGER, the pager gets the keys, and the live screen comes back working', async () => {
  root = makeTempDir();
  makeRepo(path.join(root, 'repo'));
  writeJson(path.join(root, 'plan.json'), {
    name: 'pager',
    units: [{ id: 'slow', title: 'slow sleeps', prompt: '@print 3 slow is working\n@sleep 3600000' }],
  });
  const configPath = writeJson(path.join(root, 'gaffer.json'), {
    repo: 'repo',
    plan: 'plan.json',
    concurrency: 1,
    maxAttempts: 1,
    killGraceMs: 500,
    rounds: { max: 1 },
  });
  const pager = fixturePager(root);
  tmux = new Tmux(
    launcher(root, ['run', '--config', configPath], { env: { PAGER: pager.script }, ignoreInterrupt: true }),
  );
  await tmux.waitForScreen('slow’s output', (text) => isFrame(text) && text.includes('slow is working 3'));

  tmux.send('l');
  await tmux.waitForScreen(
    'the pager’s screen',
    (text) => text.includes('FIXTURE-PAGER shows') && text.includes('gaffer: attempt 1 of slow starts'),
  );
  // The header's clock redraws gaffer's frame every second: while the pager owns the screen, none reaches it.
  for (let look = 0; look < 5; look++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(isFrame(tmux.screen()), tmux.screen()).toBe(false);
  }

  // p is gaffer's pause key: typed here it is the pager's.
  tmux.send('p', 'Enter');
  let screen = await tmux.waitForScreen(
    'the frame back',
    (text) => isFrame(text) && text.includes('✓ back from the pager'),
  );
  expect(fs.readFileSync(pager.got, 'utf8')).toBe('p\n');
  expect(screen).not.toContain('FIXTURE-PAGER');
  expect(screen).not.toContain('PAUSED');

  tmux.send('p');
  await tmux.waitForScreen('gaffer’s keys work again', (text) => text.includes('PAUSED'));

  // A Ctrl-C in the pager ends the pager, not gaffer.
  tmux.send('l');
  await tmux.waitForScreen('the pager again', (text) => text.includes('FIXTURE-PAGER shows'));
  tmux.send('C-c');
  screen = await tmux.waitForScreen(
    'the frame back after Ctrl-C',
    (text) => isFrame(text) && text.includes('SIGINT'),
  );
  expect(screen).toMatch(/✗ the pager ".*fixture-pager\.sh" was ended by SIGINT/);
  expect(runStatus(configPath)).toBe('running');

  tmux.send('q');
  await tmux.waitForScreen('the confirmation', (text) => text.includes('Quit?'));
  tmux.send('y');
  expect(await exitCodeOf(root)).toBe(0);
}, 300_000);
