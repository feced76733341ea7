/**
 * Agent output is arbitrary bytes: escape sequences in it would move the
 * cursor, clear the screen or recolour the panes (and break NO_COLOR), and a
 * tab or a carriage return would throw the layout off. Before a line reaches
 * the screen it loses every escape sequence and control character and is cut
 * to a bounded length (Ink then cuts it to the pane's width).
 */

/** CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), and two-character ESC sequences. */
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]?/g;
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** The longest line kept for display; wider than any terminal, short enough to stay cheap. */
export const MAX_SCREEN_LINE = 512;

export function screenText(line: string, max = MAX_SCREEN_LINE): string {
  // Cut first: a flood line can be 64 KiB, and only its start can ever be seen.
  let text = line.length > max * 2 ? line.slice(0, max * 2) : line;
  text = text.replace(ESCAPES, '').replace(/\r?\n$/, '');
  // A carriage return redraws the line (progress bars): the terminal would show what follows the last one.
  const lastReturn = text.lastIndexOf('\r');
  if (lastReturn !== -1 && lastReturn < text.length - 1) text = text.slice(lastReturn + 1);
  text = text.replace(/\t/g, '  ').replace(CONTROLS, '');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
