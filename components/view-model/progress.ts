/**
 * How far along the mission is, and a guess at when it ends, from what it
 * measured so far. Pure: the mission state hands in its counts and the
 * durations it saw; the header draws the result.
 *
 * The estimate: the units still to run go through the slots in waves of
 * `concurrency`, each wave as long as an average attempt; the last of them
 * then waits in the merge queue as long as an average merge (queued until
 * merged or rejected, the wait in the queue included). Running units count as
 * a whole attempt still to go (an estimate that errs long). Blocked units wait
 * for an operator and are not counted. No estimate until MIN_SAMPLES attempts
 * and merges ended: two samples say little about a day-long mission.
 */
import type { UnitCounts } from './types.js';

/** Ended attempts and ended merges needed before an estimate is shown. */
export const MIN_SAMPLES = 3;
/** The newest durations kept for the averages: the mission's recent pace, in bounded memory. */
export const SAMPLES_KEPT = 50;

export interface ProgressInput {
  counts: UnitCounts;
  /** Slots that run attempts at once. */
  concurrency: number;
  /** Durations of ended attempts that did their work (handed off, failed, timed out), newest last. */
  attemptMs: readonly number[];
  /** Durations of ended merges, queued to merged or rejected, newest last. */
  mergeMs: readonly number[];
}

export interface Progress {
  /** Units settled for good: done, or removed from the plan. */
  settled: number;
  total: number;
  /** Milliseconds still to go, or null while there are too few samples to say. */
  remainingMs: number | null;
}

export function progressOf(input: ProgressInput): Progress {
  const c = input.counts;
  const total = c.pending + c.running + c.merging + c.done + c.failed + c.blocked + c.killed + c.removed;
  return { settled: c.done + c.removed, total, remainingMs: estimateRemainingMs(input) };
}

export function estimateRemainingMs(input: ProgressInput): number | null {
  if (input.attemptMs.length < MIN_SAMPLES || input.mergeMs.length < MIN_SAMPLES) return null;
  const { pending, running, merging } = input.counts;
  const toRun = pending + running;
  const toMerge = toRun + merging;
  if (toMerge === 0) return 0;
  const waves = Math.ceil(toRun / Math.max(1, input.concurrency));
  return Math.round(waves * mean(input.attemptMs) + mean(input.mergeMs));
}

/** Adds a duration to a bounded list of the newest ones. */
export function keepSample(samples: number[], ms: number): void {
  samples.push(Math.max(0, ms));
  if (samples.length > SAMPLES_KEPT) samples.shift();
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * What the estimate learns from the events: attempt durations, merge
 * durations (queued to merged or rejected), and when anything last changed,
 * from which the estimate counts down.
 */
export class ProgressSamples {
  private readonly attemptMs: number[] = [];
  private readonly mergeMs: number[] = [];
  private readonly mergeQueuedAt = new Map<number, number>();
  /** When the counts or the durations last changed (epoch ms). */
  at = 0;

  changed(at: number): void {
    this.at = at;
  }

  attemptEnded(p: { outcome: string; durationMs: number }, at: number): void {
    // Killed, reaped and broken attempts say nothing about how long the work takes.
    if (p.outcome === 'handed-off' || p.outcome === 'failed' || p.outcome === 'timed-out')
      keepSample(this.attemptMs, p.durationMs);
    this.at = at;
  }

  mergeQueued(mergeId: number, at: number): void {
    this.mergeQueuedAt.set(mergeId, at);
  }

  mergeEnded(mergeId: number, at: number): void {
    const queuedAt = this.mergeQueuedAt.get(mergeId);
    this.mergeQueuedAt.delete(mergeId);
    // A merge queued before this screen existed has no start to measure from.
    if (queuedAt !== undefined) keepSample(this.mergeMs, at - queuedAt);
    this.at = at;
  }

  durations(): Pick<ProgressInput, 'attemptMs' | 'mergeMs'> {
    return { attemptMs: this.attemptMs, mergeMs: this.mergeMs };
  }
}
