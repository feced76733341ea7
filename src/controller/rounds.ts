import type { Store } from '../store/store.js';
import type { Recorder } from './recorder.js';

/**
 * The rounds of one run, counted in one place: the budget (`max_rounds`,
 * which an operator's retry or the resume of an unfinished run extends),
 * where a start picks up, and each round's start and end.
 */
export class Rounds {
  constructor(
    private readonly recorder: Recorder,
    private readonly runId: number,
  ) {}

  private get store() {
    return this.recorder.store;
  }

  /** The last round the run may run. */
  get max(): number {
    return this.store.runs.get(this.runId)?.max_rounds ?? 0;
  }

  /** The number of the last round started (0 before the first). */
  get last(): number {
    return this.store.runs.rounds(this.runId).at(-1)?.number ?? 0;
  }

  /** Where a start picks up: the round a crash or a stop cut short, else the next one. */
  resumePoint(): { round: number; continuing: boolean } {
    const last = this.store.runs.rounds(this.runId).at(-1);
    if (last && !last.ended_at) return { round: last.number, continuing: true };
    return { round: (last?.number ?? 0) + 1, continuing: false };
  }

  start(round: number, continuing: boolean): void {
    this.recorder.record([['round:started', { runId: this.runId, round }]], () => {
      if (!continuing) this.store.runs.startRound(this.runId, round);
    });
  }

  end(round: number, stats: { done: number; failed: number; merged: number; rejected: number }): void {
    this.recorder.record([['round:ended', { runId: this.runId, round, ...stats }]], () =>
      this.store.runs.endRound(this.runId, round),
    );
  }

  /**
   * At least one round after `round` (an operator's retry during the last
   * round, or after the run ended). A write: call it inside a transaction.
   */
  ensureAfter(round: number): void {
    if (this.max <= round) this.store.runs.setMaxRounds(this.runId, round + 1);
  }
}

/** `count` more rounds after the last one run: an unfinished run, resumed. A write. */
export function grantRounds(store: Store, runId: number, count: number): void {
  const last = store.runs.rounds(runId).at(-1)?.number ?? 0;
  store.runs.setMaxRounds(runId, last + count);
}
