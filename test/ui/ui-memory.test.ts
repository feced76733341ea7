/**
 * Memory stays flat however much the agents print, with the UI drawing. The
 * view model is bounded (view-model-store.test.ts); this covers what Ink does
 * with the strings it is given: it caches the size of every distinct text it
 * lays out, forever, so agent output must never reach it as a <Text>.
 *
 * The built App renders in a child process (for --expose-gc and a clean
 * heap) while 20 000 distinct output lines go through the store, one commit
 * per line; the heap after all of them is compared with the heap after the
 * first 2000.
 */
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/cli.js';

const SCRIPT = `
import { PassThrough } from 'node:stream';
import { createElement } from 'react';
import { render } from 'ink';
import { App } from './dist/components/App.js';
import { ViewModelStore } from './dist/components/view-model/store.js';
import { themeFor } from './dist/components/theme.js';

const stdout = Object.assign(new PassThrough(), { columns: 120, rows: 40 });
stdout.resume();
const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode() {}, ref() {}, unref() {} });
const info = { runId: 1, planName: 'memory', maxRounds: 1, logDir: '/logs', concurrency: 2, maxAttempts: 1,
  units: [{ id: 'chatty', title: 'Prints a lot', dependsOn: [] }] };
const store = new ViewModelStore(info);
const recent = [];
const control = {
  kill: () => ({ ok: true, message: '' }), retry: () => ({ ok: true, message: '' }),
  setPaused: () => ({ ok: true, message: '' }), isPaused: () => false,
  discover: () => ({ ok: false, message: '' }), quit: () => ({ ok: true, message: '' }),
  output: () => ({ unitId: 'chatty', attempt: 1, lines: recent, logPath: '/logs/chatty.log' }),
  running: () => [{ unitId: 'chatty', attempt: 1, startedAt: Date.now() }],
};
const at = () => new Date().toISOString();
const emit = (type, payload) => store.apply({ type, at: at(), payload });
const instance = render(createElement(App, { store, control, theme: themeFor({}) }),
  { stdout, stdin, patchConsole: false, exitOnCtrlC: false });
emit('unit:state', { runId: 1, unitId: 'chatty', from: 'pending', to: 'running', reason: '' });
emit('attempt:started', { runId: 1, unitId: 'chatty', attempt: 1, round: 1, branch: 'b', baseCommit: 'c', logPath: '/l' });
const heap = () => { global.gc(); global.gc(); return process.memoryUsage().heapUsed; };
let early = 0;
for (let i = 1; i <= 20000; i += 1) {
  const line = 'build step ' + i + ' ' + Math.random().toString(36).repeat(4);
  recent.push(line);
  if (recent.length > 30) recent.shift();
  emit('worker:output', { runId: 1, unitId: 'chatty', attempt: 1, line });
  store.flush();
  await Promise.resolve();
  // React's scheduler runs its work on macrotasks: yield to them as a real event loop would.
  if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  if (i === 2000) early = heap();
}
const late = heap();
instance.unmount();
process.stdout.write(JSON.stringify({ early, late }));
`;

it('does not grow with the lines drawn (Ink never measures agent output)', () => {
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', SCRIPT], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
    // Only bounds a hang (execFileSync blocks the test's own timeout): 20 000 renders on a loaded machine take minutes.
    timeout: 600_000,
  });
  const { early, late } = JSON.parse(out) as { early: number; late: number };
  // Drawn as plain <Text>s, the same 18 000 lines kept about 7 MB here; through ScreenLine, ~0.2 MB either way.
  expect((late - early) / 1e6).toBeLessThan(2);
}, 660_000);
