import { describe, expect, it } from 'vitest';
import { Mutex } from '../../src/util/mutex.js';

/** A promise resolved from outside, so the test decides when each task ends. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const ticks = async (count = 5): Promise<void> => {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('Mutex', () => {
  it('runs one task at a time, in arrival order, whatever order they would finish in', async () => {
    const mutex = new Mutex();
    const log: string[] = [];
    let active = 0;
    let maxActive = 0;
    const gates = [deferred(), deferred(), deferred()];
    const results = gates.map((gate, index) =>
      mutex.run(async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        log.push(`start ${index}`);
        await gate.promise;
        log.push(`end ${index}`);
        active -= 1;
        return index * 10;
      }),
    );

    await ticks();
    expect(log).toEqual(['start 0']);
    // Releasing later tasks first changes nothing: they have not started.
    gates[2]?.resolve();
    gates[1]?.resolve();
    await ticks();
    expect(log).toEqual(['start 0']);
    gates[0]?.resolve();
    expect(await Promise.all(results)).toEqual([0, 10, 20]);
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
    expect(maxActive).toBe(1);
  });

  it('rejects only the failing task and runs the next one', async () => {
    const mutex = new Mutex();
    const log: string[] = [];
    const failure = new Error('task failed');
    const first = mutex.run(async () => {
      log.push('first');
      await ticks(1);
      throw failure;
    });
    const second = mutex.run(() => {
      log.push('second');
      return Promise.resolve('ok');
    });
    await expect(first).rejects.toBe(failure);
    await expect(second).resolves.toBe('ok');
    expect(log).toEqual(['first', 'second']);
  });

  it('survives a task that throws synchronously', async () => {
    const mutex = new Mutex();
    const failure = new Error('sync throw');
    const first = mutex.run(() => {
      throw failure;
    });
    const second = mutex.run(() => Promise.resolve(2));
    await expect(first).rejects.toBe(failure);
    await expect(second).resolves.toBe(2);
  });

  it('leaves no unhandled rejection when a failing task’s caller handles it', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const mutex = new Mutex();
      await mutex.run(() => Promise.reject(new Error('handled'))).catch(() => undefined);
      await mutex.run(() => Promise.resolve());
      await ticks();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
