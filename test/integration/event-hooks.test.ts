import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { GafferEvent } from '../../src/events/types.js';
import { cleanup, makeRepo, runMission, writes } from './mission-fixture.js';

let repo = '';
let scratch = '';
afterEach(() => {
  cleanup(repo);
  fs.rmSync(scratch, { recursive: true, force: true });
});

const node = process.execPath;

/** A hook that appends `{env, stdin}` as one JSON line to `file`. */
function recorder(file: string): string[] {
  const script = [
    "let input = '';",
    "process.stdin.on('data', (chunk) => (input += chunk));",
    "process.stdin.on('end', () => {",
    `  require('node:fs').appendFileSync(${JSON.stringify(file)}, JSON.stringify({ event: process.env.GAFFER_EVENT, runId: process.env.GAFFER_RUN_ID, stdin: JSON.parse(input) }) + '\\n');`,
    '});',
  ].join('\n');
  return [node, '-e', script];
}

function warnings(events: readonly GafferEvent[]): string[] {
  return events.flatMap((event) => (event.type === 'supervisor:warning' ? [event.payload.message] : []));
}

it('runs each hook with its event as JSON on stdin and GAFFER_EVENT set, unit:failed and run:ended included', async () => {
  repo = makeRepo();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-hooks-'));
  const received = path.join(scratch, 'received.jsonl');
  const { result, events } = await runMission(
    repo,
    {
      units: [
        { id: 'good', title: 'good', prompt: writes('good') },
        { id: 'bad', title: 'bad', prompt: '@exit 2' },
      ],
    },
    {
      maxAttempts: 1,
      rounds: { max: 1 },
      hooks: {
        'unit:done': [recorder(received)],
        'unit:failed': [recorder(received)],
        'merge:merged': [recorder(received)],
        'run:ended': [recorder(received)],
      },
    },
  );
  try {
    expect(result.status).toBe('completed');
    const lines = fs
      .readFileSync(received, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; runId: string; stdin: Record<string, unknown> });
    const byEvent = new Map(lines.map((line) => [line.event, line]));
    expect([...byEvent.keys()].sort()).toEqual(['merge:merged', 'run:ended', 'unit:done', 'unit:failed']);
    expect(byEvent.get('unit:failed')?.stdin).toMatchObject({
      event: 'unit:failed',
      runId: result.runId,
      unitId: 'bad',
      from: 'running',
      to: 'failed',
    });
    expect(byEvent.get('unit:done')?.stdin).toMatchObject({ unitId: 'good', to: 'done' });
    expect(byEvent.get('merge:merged')?.stdin).toMatchObject({ unitId: 'good' });
    expect(byEvent.get('run:ended')?.stdin).toMatchObject({
      event: 'run:ended',
      runId: result.runId,
      status: 'completed',
    });
    expect(byEvent.get('run:ended')?.runId).toBe(String(result.runId));
    expect(typeof byEvent.get('run:ended')?.stdin.at).toBe('string');
    expect(warnings(events)).toEqual([]);
  } finally {
    result.store.close();
  }
});

it('a hook that hangs is ended at hookTimeoutMs with a warning, and neither holds up the run nor outlives it', async () => {
  repo = makeRepo();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-hooks-'));
  const pids = path.join(scratch, 'pids');
  const hang = `require('node:fs').appendFileSync(${JSON.stringify(pids)}, process.pid + '\\n'); process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);`;
  const { result, events } = await runMission(
    repo,
    { units: [{ id: 'a', title: 'a', prompt: writes('a') }] },
    {
      hookTimeoutMs: 1000,
      rounds: { max: 1 },
      hooks: { 'attempt:started': [[node, '-e', hang]], 'run:ended': [[node, '-e', hang]] },
    },
  );
  try {
    expect(result.status).toBe('completed');
    const hung = warnings(events).filter((message) => message.includes('did not finish within 1 s'));
    expect(hung).toHaveLength(2);
    expect(hung.some((message) => message.includes('(on run:ended)'))).toBe(true);
    for (const pid of fs.readFileSync(pids, 'utf8').trim().split('\n').map(Number)) {
      expect(isAlive(pid)).toBe(false);
    }
    // The warnings are recorded, not only shown.
    const stored = result.store.events
      .forRun(result.runId)
      .filter((row) => row.type === 'supervisor:warning');
    expect(stored.length).toBeGreaterThanOrEqual(2);
  } finally {
    result.store.close();
  }
});

it('a hook that prints megabytes and fails is a warning quoting only its last output; a missing hook is a warning too', async () => {
  repo = makeRepo();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-hooks-'));
  const flood = [
    "const line = 'x'.repeat(1024 * 1024);",
    'for (let i = 0; i < 8; i++) process.stdout.write(line);',
    "process.stdout.write('\\n');",
    "for (let i = 0; i < 20000; i++) process.stdout.write('noise ' + i + '\\n');",
    "console.log('the webhook answered 500');",
    'process.exitCode = 1;',
  ].join('\n');
  const { result, events } = await runMission(
    repo,
    { units: [{ id: 'a', title: 'a', prompt: writes('a') }] },
    {
      rounds: { max: 1 },
      hooks: {
        'unit:done': [[node, '-e', flood]],
        'run:ended': [['gaffer-no-such-hook', '--notify']],
      },
    },
  );
  try {
    expect(result.status).toBe('completed');
    const said = warnings(events);
    const failed = said.find((message) => message.includes('exited with code 1'));
    expect(failed).toMatch(
      /^hook `.*` \(on unit:done\) exited with code 1; its last output: .*the webhook answered 500$/,
    );
    expect(failed?.length).toBeLessThan(4096);
    expect(said).toContainEqual(
      expect.stringMatching(
        /^hook `gaffer-no-such-hook --notify` \(on run:ended\) could not start: .*command not found/,
      ),
    );
  } finally {
    result.store.close();
  }
});

function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
