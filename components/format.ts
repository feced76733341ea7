/** Small text helpers shared by the panes. */
import { cellWidth } from './view-model/screen-text.js';

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

/**
 * Text cut into lines of at most `width` columns, breaking at spaces where it
 * can (a word longer than the line is split); its own line breaks kept.
 */
export function wrapText(text: string, width: number): string[] {
  if (width <= 0) return [];
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    let used = 0;
    for (const word of paragraph.split(' ')) {
      const size = columns(word);
      if (used > 0 && used + 1 + size <= width) {
        line += ` ${word}`;
        used += 1 + size;
        continue;
      }
      if (used > 0) lines.push(line);
      line = '';
      used = 0;
      for (const char of word) {
        const w = cellWidth(char);
        if (used + w > width) {
          lines.push(line);
          line = '';
          used = 0;
        }
        line += char;
        used += w;
      }
    }
    lines.push(line);
  }
  return lines;
}

function columns(text: string): number {
  let total = 0;
  for (const char of text) total += cellWidth(char);
  return total;
}
