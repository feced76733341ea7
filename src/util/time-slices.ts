import { setImmediate as nextTurn } from 'node:timers/promises';

/** Work between two yields: short enough that a 10 ms event-loop resolution hardly sees it. */
const SLICE_MS = 4;

/**
 * For a long synchronous pass (every process in /proc, on a busy machine tens
 * of ms) on the supervisor's event loop: call `due()` between items and await
 * `pause()` when it says so, and the pass gives the loop a turn every few ms.
 */
export function timeSlices(sliceMs = SLICE_MS): { due: () => boolean; pause: () => Promise<void> } {
  let start = performance.now();
  return {
    due: () => performance.now() - start >= sliceMs,
    pause: async () => {
      await nextTurn();
      start = performance.now();
    },
  };
}
