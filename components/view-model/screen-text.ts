/**
 * Agent output is arbitrary bytes: escape sequences in it would move the
 * cursor, clear the screen or recolour the panes (and break NO_COLOR), and a
 * tab or a carriage return would throw the layout off. Before a line reaches
 * the screen it loses every escape sequence and control character (see
 * toTerminalText) and is cut to a bounded length (Ink then cuts it to the
 * pane's width).
 */
import { toTerminalText } from '../../src/util/terminal-text.js';

/** The longest line kept for display; wider than any terminal, short enough to stay cheap. */
export const MAX_SCREEN_LINE = 512;

export function screenText(line: string, max = MAX_SCREEN_LINE): string {
  // Cut first: a flood line can be 64 KiB, and only its start can ever be seen.
  let text = line.length > max * 2 ? line.slice(0, max * 2) : line;
  text = text.replace(/\r?\n$/, '');
  // A carriage return redraws the line (progress bars): the terminal would show what follows the last one.
  const lastReturn = text.lastIndexOf('\r');
  if (lastReturn !== -1 && lastReturn < text.length - 1) text = text.slice(lastReturn + 1);
  text = toTerminalText(text).replace(/\t/g, '  ').replace(EMOJI_JOINERS, '');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * What joins emoji into one picture: the zero-width joiner, variation
 * selectors and skin-tone modifiers. Terminals disagree on them (tmux draws
 * 👍🏽 in four cells, string-width and newer terminals in two), and a line one
 * cell wider than the screen wraps and scrolls the frame. Without them every
 * emoji is drawn on its own, as wide everywhere as Ink counts it.
 */
const EMOJI_JOINERS = /[\u200d\ufe0e\ufe0f\u{1f3fb}-\u{1f3ff}]/gu;

/** Terminal cells of screen text, and a cut to a width: see components/cells.ts. */
export { cellWidth, cutCells as fitToWidth } from '../../src/util/cells.js';
