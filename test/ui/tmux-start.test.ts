/**
 * The start and the end of the live screen in a real terminal (tmux): the
 * first frame comes while the start is still under way and q quits it
 * cleanly; TERM=dumb gets the plain headless lines; --stay keeps the screen
 * after the run, r runs a failed unit again there and q leaves.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git, makeRepo, makeTempDir, runCli, tinyPlan, writeJson } from '../helpers/cli.js';
import { exitCodeOf, launcher, status, tearDown, Tmux, unitOf } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait.js';

let tmux: Tmux | undefined;
let root: string | undefined;

afterEach(async () => {
  const [open, dir] = [tmux, root];
  tmux = undefined;
  root = undefined;
  await tearDown(open, dir);
});

/** A check that passes once `file` exists: the baseline snapshot waits as long as the test wants. */
function waitingCheck(file: string): { name: string; command: string[] } {
  const script = `const fs = require('node:fs'); const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(file)})) { clearInterval(t); } }, 50);`;
  return { name: 'gate', command: [process.execPath, '-e', script] };
}

describe('the screen in tmux: its start and its end', () => {
  it('draws its first frame while the baseline check runs, says so, and q quits the start cleanly and resumably', async () => {
    root = makeTempDir();
    const repo = makeRepo(path.join(root, 'repo'));
    const release = path.join(root, 'release');
    writeJson(path.join(root, 'plan.json'), tinyPlan());
    const configPath = writeJson(path.join(root, 'gaffer.json'), {
      repo: 'repo',
      plan: 'plan.json',
      killGraceMs: 500,
      rounds: { max: 1 },
      checks: [waitingCheck(release)],
    });
    tmux = new Tmux(launcher(root, ['run', '--config', configPath]));
    const screen = await tmux.waitForScreen('the starting screen during the baseline', (text) =>
      text.includes('starting: baseline snapshot: running checks gate'),
    );
    for (const part of ['gaffer tiny', 'Workers', 'q quit']) expect(screen).toContain(part);
    // Any other key is answered with what the start is doing.
    tmux.send('p');
    await tmux.waitForScreen('p answered', (text) =>
      text.includes('the mission is starting: baseline snapshot'),
    );

    tmux.send('q');
    expect(await exitCodeOf(root)).toBe(0);
    await tmux.waitForScreen('the summary', (text) => text.includes('interrupted'));
    const stopped = status(configPath);
    expect(stopped.run.status).toBe('interrupted');
    expect(stopped.run.reason).toContain('stopped by the operator');
    expect(unitOf(stopped, 'hello')).toMatchObject({ status: 'pending', strikes: 0, attempts: [] });
    expect(git(repo, 'status', '--porcelain')).toBe('');

    // The cut-short baseline was not kept as the commit's health: the resumed run checks again and finishes.
    fs.writeFileSync(release, '');
    const resumed = await runCli(['run', '--config', configPath, '--headless'], { cwd: root });
    expect(resumed.stdout).toContain('resumed plan "tiny"');
    expect(resumed.exitCode, resumed.stdout + resumed.stderr).toBe(0);
    expect(unitOf(status(configPath), 'hello')?.status).toBe('done');
  }, 240_000);

  it('TERM=dumb gets the plain headless lines and no escape sequence', async () => {
    root = makeTempDir();
    makeRepo(path.join(root, 'repo'));
    writeJson(path.join(root, 'plan.json'), tinyPlan());
    const configPath = writeJson(path.join(root, 'gaffer.json'), { repo: 'repo', plan: 'plan.json' });
    tmux = new Tmux(launcher(root, ['run', '--config', configPath], { env: { TERM: 'dumb' }, gate: true }));
    const raw = path.join(root, 'terminal.raw');
    tmux.record(raw);
    fs.writeFileSync(path.join(root, 'go'), '');
    expect(await exitCodeOf(root)).toBe(0);
    const written = await waitFor('the recording to hold the summary', () => {
      const text = fs.existsSync(raw) ? fs.readFileSync(raw, 'utf8') : '';
      return text.includes('completed') && text.includes('hello') ? text : undefined;
    });
    expect(written).toContain('started plan "tiny"');
    expect(written).not.toContain('\u001b');
  }, 120_000);

  it('--stay keeps the final screen; r on the failed unit runs it again there; q leaves and the summary prints', async () => {
    root = makeTempDir();
    makeRepo(path.join(root, 'repo'));
    writeJson(path.join(root, 'plan.json'), {
      name: 'stay',
      units: [
        {
          id: 'flaky',
          title: 'Fails its first attempt',
          prompt: ['@fail-first 1', '@write flaky.txt flaky', '@commit Add flaky.txt', '@handoff done'].join(
            '\n',
          ),
        },
      ],
    });
    const configPath = writeJson(path.join(root, 'gaffer.json'), {
      repo: 'repo',
      plan: 'plan.json',
      maxAttempts: 1,
      killGraceMs: 500,
      rounds: { max: 1 },
    });
    tmux = new Tmux(launcher(root, ['run', '--config', configPath, '--stay']));
    await tmux.waitForScreen(
      'the ended run, still on screen',
      (text) => text.includes('r on a failed unit runs it again') && text.includes('1 failed'),
    );
    expect(fs.existsSync(path.join(root, 'exit-code'))).toBe(false);
    expect(unitOf(status(configPath), 'flaky')?.status).toBe('failed');

    // The Units pane holds the failed unit: Tab selects it, r sends it back and the run resumes here.
    tmux.send('Tab');
    tmux.send('r');
    await tmux.waitForScreen(
      'the run again, ended with the unit done',
      (text) => text.includes('1 done') && text.includes('run #1 completed: 1 done, 0 failed'),
    );
    expect(unitOf(status(configPath), 'flaky')).toMatchObject({ status: 'done' });

    tmux.send('q');
    expect(await exitCodeOf(root)).toBe(0);
    await tmux.waitForScreen('the summary', (text) => text.includes('run #1 of plan "stay": completed'));
  }, 240_000);
});
