import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import type { GafferEvent } from '../../src/events/types.js';

const warning = { runId: 1, message: 'hello' };

describe('EventBus', () => {
  it('keeps delivering after a throwing listener and reports the error with its event', () => {
    const reported: { error: unknown; event: GafferEvent }[] = [];
    const bus = new EventBus((error, event) => reported.push({ error, event }));
    const calls: string[] = [];
    const boomAny = new Error('any listener broke');
    const boomTyped = new Error('typed listener broke');
    bus.onAny(() => {
      calls.push('any 1');
      throw boomAny;
    });
    bus.onAny(() => calls.push('any 2'));
    bus.on('supervisor:warning', () => {
      calls.push('typed 1');
      throw boomTyped;
    });
    bus.on('supervisor:warning', (payload, event) => {
      calls.push(`typed 2: ${payload.message} (${event.type})`);
    });

    let event: GafferEvent | undefined;
    expect(() => {
      event = bus.emit('supervisor:warning', warning);
    }).not.toThrow();

    expect(calls).toEqual(['any 1', 'any 2', 'typed 1', 'typed 2: hello (supervisor:warning)']);
    expect(reported.map((entry) => entry.error)).toEqual([boomAny, boomTyped]);
    expect(reported.every((entry) => entry.event === event)).toBe(true);
    expect(event).toMatchObject({ type: 'supervisor:warning', payload: warning });
    expect(event?.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('does not throw without an error handler', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.on('supervisor:warning', () => {
      throw new Error('x');
    });
    bus.on('supervisor:warning', (payload) => seen.push(payload.message));
    expect(() => bus.emit('supervisor:warning', warning)).not.toThrow();
    expect(seen).toEqual(['hello']);
  });

  it('delivers a typed listener only its own event type', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.on('round:started', (payload) => seen.push(`round ${payload.round}`));
    bus.emit('supervisor:warning', warning);
    bus.emit('round:started', { runId: 1, round: 3 });
    expect(seen).toEqual(['round 3']);
  });

  it('unsubscribes with the function on() and onAny() return', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const offTyped = bus.on('supervisor:warning', (payload) => seen.push(`typed ${payload.message}`));
    const offAny = bus.onAny((event) => seen.push(`any ${event.type}`));
    bus.emit('supervisor:warning', { runId: 1, message: 'one' });
    offTyped();
    bus.emit('supervisor:warning', { runId: 1, message: 'two' });
    offAny();
    bus.emit('supervisor:warning', { runId: 1, message: 'three' });
    expect(seen).toEqual(['any supervisor:warning', 'typed one', 'any supervisor:warning']);
  });

  it('unsubscribes only the listener it was returned for, even for the same function twice', () => {
    const bus = new EventBus();
    let count = 0;
    const listener = (): void => {
      count += 1;
    };
    const off1 = bus.on('supervisor:warning', listener);
    bus.on('supervisor:warning', listener);
    off1();
    bus.emit('supervisor:warning', warning);
    expect(count).toBe(1);
  });

  it('publishes a prepared event unchanged', () => {
    const bus = new EventBus();
    const seen: GafferEvent[] = [];
    bus.onAny((event) => seen.push(event));
    const event: GafferEvent = {
      type: 'run:ended',
      at: '2024-01-02T03:04:05.678Z',
      payload: { runId: 1, status: 'completed', reason: 'ok' },
    };
    bus.publish(event);
    expect(seen).toEqual([event]);
    expect(seen[0]).toBe(event);
  });
});
