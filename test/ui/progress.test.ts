import { describe, expect, it } from 'vitest';
import { keepSample, MIN_SAMPLES, progressOf, SAMPLES_KEPT } from '../../components/view-model/progress.js';
import type { UnitCounts } from '../../components/view-model/types.js';

const none: UnitCounts = {
  pending: 0,
  running: 0,
  merging: 0,
  done: 0,
  failed: 0,
  blocked: 0,
  killed: 0,
  removed: 0,
};
const minutes = (n: number) => n * 60_000;

describe('progress', () => {
  it('counts done and removed units as settled, of every unit', () => {
    const p = progressOf({
      counts: { ...none, pending: 3, running: 2, done: 4, removed: 1, failed: 1, blocked: 1 },
      concurrency: 2,
      attemptMs: [],
      mergeMs: [],
    });
    expect(p).toEqual({ settled: 5, total: 12, remainingMs: null });
  });

  it('says nothing until enough attempts and merges ended', () => {
    const counts = { ...none, pending: 4, done: 3 };
    const few = Array.from({ length: MIN_SAMPLES - 1 }, () => minutes(5));
    const enough = Array.from({ length: MIN_SAMPLES }, () => minutes(5));
    expect(progressOf({ counts, concurrency: 2, attemptMs: few, mergeMs: enough }).remainingMs).toBeNull();
    expect(progressOf({ counts, concurrency: 2, attemptMs: enough, mergeMs: few }).remainingMs).toBeNull();
    expect(
      progressOf({ counts, concurrency: 2, attemptMs: enough, mergeMs: enough }).remainingMs,
    ).not.toBeNull();
  });

  it('runs what is left in waves of the concurrency, then the last merge', () => {
    const attemptMs = [minutes(4), minutes(6), minutes(5)];
    const mergeMs = [minutes(1), minutes(2), minutes(3)];
    // 5 units to run on 2 slots: 3 waves of 5 minutes, then a merge of 2 minutes.
    const counts = { ...none, pending: 3, running: 2, done: 3 };
    expect(progressOf({ counts, concurrency: 2, attemptMs, mergeMs }).remainingMs).toBe(minutes(17));
    // More slots, fewer waves.
    expect(progressOf({ counts, concurrency: 5, attemptMs, mergeMs }).remainingMs).toBe(minutes(7));
    // Only merges left: one merge's time.
    expect(
      progressOf({ counts: { ...none, merging: 2, done: 6 }, concurrency: 2, attemptMs, mergeMs })
        .remainingMs,
    ).toBe(minutes(2));
    // Nothing left to run or merge (the rest is blocked or failed): nothing to wait for.
    expect(
      progressOf({ counts: { ...none, blocked: 2, done: 6 }, concurrency: 2, attemptMs, mergeMs })
        .remainingMs,
    ).toBe(0);
  });

  it('keeps only the newest durations', () => {
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES_KEPT + 10; i += 1) keepSample(samples, i);
    expect(samples).toHaveLength(SAMPLES_KEPT);
    expect(samples[0]).toBe(10);
    keepSample(samples, -5);
    expect(samples.at(-1)).toBe(0);
  });
});
