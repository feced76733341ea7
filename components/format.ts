/** Small text helpers shared by the panes. */

/** 42s, 3m04s, 1h02m: short and of stable width for a column. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

export function shortSha(sha: string | null): string {
  return sha ? sha.slice(0, 7) : 'none';
}

export function signed(value: number): string {
  return value > 0 ? `+${value}` : String(value);
}

/** The visible window of `total` rows of which `height` fit, keeping `selected` in view. */
export function visibleWindow(
  total: number,
  height: number,
  selected: number,
): { start: number; end: number } {
  if (height <= 0) return { start: 0, end: 0 };
  if (total <= height) return { start: 0, end: total };
  const start = Math.min(Math.max(0, selected - Math.floor(height / 2)), total - height);
  return { start, end: start + height };
}

/** Text in lines of at most `width` terminal cells, broken at spaces (see cells.ts). */
export { wrapCells as wrapText } from '../src/util/cells.js';
