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
  text = toTerminalText(text).replace(/\t/g, '  ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// Zero-width: combining marks, joiners, variation selectors. Two columns: emoji and East Asian wide forms.
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200f\u2060\ufe00-\ufe0f]$/u;
const DOUBLE_WIDTH =
  /^[\p{Emoji_Presentation}\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]$/u;

/** Terminal columns of one code point (close to what terminals do; exact for ASCII). */
export function cellWidth(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x7f) return 1;
  if (ZERO_WIDTH.test(char)) return 0;
  return DOUBLE_WIDTH.test(char) ? 2 : 1;
}

/** At most `width` columns of screen text, cut with an ellipsis. */
export function fitToWidth(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width && /^[\x20-\x7e]*$/.test(text)) return text;
  let used = 0;
  let out = '';
  for (const char of text) {
    const w = cellWidth(char);
    if (used + w > width) {
      // Room for the ellipsis: drop characters until one column is free.
      while (used > width - 1 && out.length > 0) {
        const last = [...out].pop() ?? '';
        out = out.slice(0, out.length - last.length);
        used -= cellWidth(last);
      }
      return `${out}…`;
    }
    out += char;
    used += w;
  }
  return out;
}
