import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { Store } from '../../src/store/store.js';
import {
  expectCompletedRun,
  expectRefusal,
  runCli,
  runGaffer,
  useSandbox,
  type Sandbox,
} from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { startGaffer, type LiveGaffer } from './signal-fixture.js';

/**
 * `gaffer replay` from the built CLI on the record of a real run: without a
 * terminal it prints the run's events as the headless lines, at once, and
 * never writes to the state database; bad input is refused with its own
 * exit code and the fix.
 */

const replay = (sandbox: Sandbox, ...extra: string[]) =>
  runCli(['replay', '--config', sandbox.configPath, ...extra], { cwd: sandbox.root });

/** The event lines of headless output: `hh:mm:ss.mmm subject ...`. */
const eventLines = (stdout: string): string[] =>
  stdout.split('\n').filter((line) => /^\d\d:\d\d:\d\d\.\d{3} /.test(line));

/**
 * The state database's content: a read-only replay leaves every byte as it
 * was. (Opening a database in WAL mode may leave an empty -wal file: no content.)
 */
function databaseFingerprint(sandbox: Sandbox): string {
  const read = (name: string): Buffer => {
    const file = `${sandbox.stateDir}/${name}`;
    return fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
  };
  return crypto.createHash('sha256').update(read('state.db')).update(read('state.db-wal')).digest('hex');
}

describe('gaffer replay of a finished run', () => {
  const sandbox = useSandbox();

  it('prints the run’s events as the run printed them, every one, without a terminal and without writing', async () => {
    const run = await runGaffer(sandbox());
    expectCompletedRun(run, sandbox());
    const before = databaseFingerprint(sandbox());

    const headless = await replay(sandbox(), '--headless');
    expect(headless.exitCode, headless.stderr).toBe(ExitCode.ok);
    expect(headless.stderr).toBe('');
    const [title] = headless.stdout.split('\n');
    expect(title).toBe(
      `replay of run #1 of plan "tiny" (completed: every unit settled): ${eventLines(headless.stdout).length} events; worker output is not in the event log (each attempt's log file has it)`,
    );
    // The same lines `gaffer run --headless` printed as it went, in the same order.
    const played = eventLines(headless.stdout);
    expect(played).toEqual(eventLines(run.stdout));
    expect(played[0]).toMatch(/ run {5}#1 {19}started plan "tiny"/);
    expect(played.join('\n')).toContain('hello                merging -> done');
    expect(played.at(-1)).toMatch(/ run {5}#1 {19}completed/);

    // stdout a pipe, no --headless: the same, since there is no terminal to draw on.
    const piped = await replay(sandbox(), '--speed', '0.5');
    expect(piped.exitCode, piped.stderr).toBe(ExitCode.ok);
    expect(piped.stdout).toBe(headless.stdout);

    const json = await replay(sandbox(), '--json', '--run', '1');
    expect(json.exitCode, json.stderr).toBe(ExitCode.ok);
    const objects = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; runId: number });
    expect(objects).toHaveLength(played.length);
    expect(objects[0]).toMatchObject({ type: 'run:started', runId: 1 });
    expect(objects.at(-1)).toMatchObject({ type: 'run:ended', runId: 1 });

    expect(databaseFingerprint(sandbox())).toEqual(before);
  });

  it('refuses a run that does not exist (2), naming the runs there, and a bad --speed (2)', async () => {
    expectCompletedRun(await runGaffer(sandbox()), sandbox());

    const missing = await replay(sandbox(), '--run', '7');
    expectRefusal(missing, ExitCode.usage, [
      'there is no run #7',
      sandbox().stateDir,
      '(runs: #1)',
      'pass one of them to --run',
    ]);
    expect(missing.stdout).toBe('');

    expectRefusal(await replay(sandbox(), '--run', 'latest'), ExitCode.usage, [
      '--run takes a run number',
      '"latest"',
    ]);
    for (const speed of ['0', '-2', 'fast', '1e9']) {
      expectRefusal(await replay(sandbox(), `--speed=${speed}`), ExitCode.usage, [
        '--speed takes a positive number',
        `"${speed}"`,
        'the default is 10',
      ]);
    }
  });
});

describe('gaffer replay with nothing to play', () => {
  const sandbox = useSandbox({ untouched: true });

  it('exits 11 without a state database, saying to run first, and creates nothing', async () => {
    const result = await replay(sandbox());
    expectRefusal(result, ExitCode.state, [
      `no state database at ${sandbox().databasePath}`,
      'nothing to replay',
      'gaffer run',
    ]);
    expect(result.stdout).toBe('');
  });
});

describe('gaffer replay of an empty state database', () => {
  const sandbox = useSandbox();

  it('exits 11 saying no runs are recorded yet', async () => {
    fs.mkdirSync(sandbox().stateDir);
    Store.open(sandbox().databasePath).close();

    expectRefusal(await replay(sandbox()), ExitCode.state, [
      `no runs are recorded in ${sandbox().stateDir}`,
      'nothing to replay',
      'gaffer run',
    ]);
  });
});

describe('gaffer replay of a run a live supervisor is running', () => {
  const sandbox = useSandbox();
  let live: LiveGaffer | undefined;
  afterEach(async () => {
    if (live && live.child.exitCode === null) {
      live.child.kill('SIGKILL');
      await live.exited;
    }
    live = undefined;
  });

  it('exits 12 pointing at the live screen; once the run is interrupted, it plays', async () => {
    sandbox().writeConfig({ killGraceMs: 500 });
    sandbox().writePlan({
      name: 'sleepy',
      units: [{ id: 'nap', title: 'sleeps', prompt: '@print 1 napping\n@sleep 3600000' }],
    });
    live = startGaffer(sandbox());
    await waitFor('the attempt to run', () => (live?.stdout().includes('nap#1') ? true : undefined));

    const refused = await replay(sandbox());
    expectRefusal(refused, ExitCode.busy, [
      'run #1 is still running under a live supervisor',
      `(pid ${live.child.pid})`,
      'screen',
      'replay plays finished or interrupted runs',
    ]);
    expect(refused.stdout).toBe('');

    live.child.kill('SIGTERM');
    expect((await live.exited).code).toBe(130);
    const played = await replay(sandbox(), '--headless');
    expect(played.exitCode, played.stderr).toBe(ExitCode.ok);
    expect(played.stdout.split('\n')[0]).toContain('replay of run #1 of plan "sleepy" (interrupted');
    expect(eventLines(played.stdout).at(-1)).toMatch(/ run {5}#1 {19}interrupted/);
    expect(eventLines(played.stdout)).toEqual(eventLines(live.stdout()));
  });
});
