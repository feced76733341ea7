/**
 * One screen line made of parts of unequal importance, fitted to a width by
 * giving way in order: the least important part is cut (down to what it can
 * lose) or dropped first, so a narrow terminal shows fewer parts instead of a
 * wrapped line that would push the frame past the window's height.
 */
import { cellWidth, cutCells } from '../src/util/cells.js';

export interface Part {
  /** Stable across frames: the React key of the part's Text. */
  key: string;
  text: string;
  /** Lower gives way first. */
  priority: number;
  /** What goes before it when a part precedes it (default SEPARATOR). */
  separator?: string;
  /** Cells the part can be cut down to (with …) before it is dropped; none: dropped whole. */
  minCells?: number;
  color?: string | undefined;
  bold?: boolean;
  dim?: boolean;
}

/** Between two parts. */
export const SEPARATOR = ' · ';

/** What goes before the part at `index` of the parts shown. */
export function separatorOf(parts: readonly Part[], index: number): string {
  return index === 0 ? '' : (parts[index]?.separator ?? SEPARATOR);
}

/** The parts that fit in `width` cells with their separators, in their order. */
export function fitParts(parts: readonly Part[], width: number): Part[] {
  const shown = parts.map((part) => ({ ...part }));
  const total = (): number =>
    shown.reduce((sum, part, index) => sum + cellWidth(separatorOf(shown, index) + part.text), 0);
  for (;;) {
    const over = total() - width;
    if (over <= 0 || shown.length === 0) return shown;
    let weakest = 0;
    shown.forEach((part, index) => {
      if (part.priority < (shown[weakest]?.priority ?? Infinity)) weakest = index;
    });
    const part = shown[weakest];
    if (part === undefined) return shown;
    if (shown.length === 1) {
      // The most important part is cut rather than lost.
      part.text = cutCells(part.text, width);
      return shown;
    }
    const size = cellWidth(part.text);
    if (part.minCells !== undefined && size - over >= part.minCells) {
      part.text = cutCells(part.text, size - over);
      return shown;
    }
    shown.splice(weakest, 1);
  }
}
