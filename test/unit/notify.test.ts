import { expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import { attachNotifier, notificationText } from '../../src/report/notify.js';

it('rings and sends an OSC 9 notification when the run ends and when a unit fails, nothing else', () => {
  const bus = new EventBus();
  const written: string[] = [];
  attachNotifier(bus, { bell: true, desktop: true, write: (text) => written.push(text) });
  bus.emit('unit:state', { runId: 1, unitId: 'a', from: 'running', to: 'pending', reason: 'retry' });
  bus.emit('unit:state', { runId: 1, unitId: 'b', from: 'running', to: 'failed', reason: 'out of attempts' });
  bus.emit('run:ended', {
    runId: 1,
    status: 'interrupted',
    reason: 'stopped because the agent cannot authenticate',
  });
  expect(written).toEqual([
    '\u001b]9;gaffer: unit b failed and needs you: out of attempts\u0007\u0007',
    '\u001b]9;gaffer: run #1 interrupted: stopped because the agent cannot authenticate\u0007\u0007',
  ]);
});

it('writes nothing unless asked, and a message cannot end the sequence early or smuggle one in', () => {
  const bus = new EventBus();
  const written: string[] = [];
  attachNotifier(bus, { bell: false, desktop: false, write: (text) => written.push(text) });
  bus.emit('run:ended', { runId: 1, status: 'completed', reason: 'every unit settled' });
  expect(written).toEqual([]);
  expect(notificationText('done\u0007\u001b]52;c;ZXZpbA==\u0007; ok', { bell: false, desktop: true })).toBe(
    '\u001b]9;done  ok\u0007',
  );
  expect(notificationText('x', { bell: true, desktop: false })).toBe('\u0007');
});
