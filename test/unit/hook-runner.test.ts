import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import { HookRunner } from '../../src/controller/hooks.js';

const node = process.execPath;

function runner(
  hooks: ConstructorParameters<typeof HookRunner>[0]['hooks'],
  extra: Partial<ConstructorParameters<typeof HookRunner>[0]> = {},
) {
  const bus = new EventBus();
  const said: string[] = [];
  const hookRunner = new HookRunner({
    hooks,
    timeoutMs: 5000,
    graceMs: 200,
    cwd: process.cwd(),
    warn: (runId, message) => {
      said.push(message);
      // Warnings go back on the bus, as the supervisor records them.
      bus.emit('supervisor:warning', { runId, message });
    },
    ...extra,
  });
  hookRunner.attach(bus);
  return { bus, said, hookRunner };
}

it('a failing hook on supervisor:warning warns once: its own warning does not run it again', async () => {
  const { bus, said, hookRunner } = runner({ 'supervisor:warning': [[node, '-e', 'process.exit(5)']] });
  bus.emit('supervisor:warning', { runId: 1, message: 'the disk is slow' });
  await waitUntil(() => said.length > 0);
  await hookRunner.drain();
  expect(said).toEqual([expect.stringMatching(/^hook `.*` \(on supervisor:warning\) exited with code 5$/)]);
});

it('emitting an event never waits for its hooks, and too many waiting hooks are dropped with one warning', async () => {
  const gate = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-hook-gate-')), 'open');
  // Each hook waits until the test opens the gate: an emit that waited for its hook would never return.
  const waitForGate = `const t = setInterval(() => { if (require('node:fs').existsSync(${JSON.stringify(gate)})) clearInterval(t); }, 20);`;
  const { bus, said, hookRunner } = runner(
    { 'round:started': [[node, '-e', waitForGate]] },
    { concurrency: 1, maxQueued: 2 },
  );
  for (let round = 1; round <= 6; round++) bus.emit('round:started', { runId: 1, round });
  fs.writeFileSync(gate, '');
  await hookRunner.drain();
  // One running, two waiting, three dropped: said once.
  expect(said).toEqual([expect.stringContaining('was dropped: 2 hooks are already waiting')]);
  fs.rmSync(path.dirname(gate), { recursive: true, force: true });
});

it('a hook that ignores SIGTERM is killed at its timeout, and drain returns once it is gone', async () => {
  const hang = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)";
  const { bus, said, hookRunner } = runner(
    { 'run:ended': [[node, '-e', hang]] },
    { timeoutMs: 300, graceMs: 100 },
  );
  bus.emit('run:ended', { runId: 1, status: 'completed', reason: 'every unit settled' });
  await hookRunner.drain();
  expect(said).toEqual([
    expect.stringMatching(
      /\(on run:ended\) did not finish within 300 ms \(hookTimeoutMs\); its process group was ended$/,
    ),
  ]);
  // Closed: a later event runs nothing.
  bus.emit('run:ended', { runId: 1, status: 'completed', reason: 'again' });
  await hookRunner.drain();
  expect(said).toHaveLength(1);
});

async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
