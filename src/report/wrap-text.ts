/**
 * Wrapping for `gaffer status`: a reason is what an operator reads to learn
 * why a unit failed, so it is shown whole, broken at spaces to the terminal's
 * width, its continuation lines hung under the first line's text. Widths are
 * terminal cells, not code points: CJK and emoji take two.
 */
import { cellWidth } from '../util/cells.js';
import { toTerminalText } from '../util/terminal-text.js';

/** Terminal cells `text` takes: the screen's own measure (string-width, as Ink lays out). */
export const textCells = cellWidth;

/** The narrowest room left for text after a hanging indent: below it the indent shrinks. */
const MIN_TEXT_CELLS = 20;

/**
 * `prefix` followed by `text`, in as many lines as `width` needs. The text
 * keeps its own line breaks; every line after the first starts under the
 * text's first character, or `hangCells` from the left when given (and
 * further left when fewer than 20 cells would be left). A word wider than a line is split.
 * Control sequences are stripped on the way, so agents' text is safe here.
 */
export function wrapHanging(prefix: string, text: string, width: number, hangCells?: number): string[] {
  if (fitsPlain(prefix, text, width)) return [`${prefix}${text}`.trimEnd()];
  const hang = ' '.repeat(Math.max(0, Math.min(hangCells ?? textCells(prefix), width - MIN_TEXT_CELLS)));
  const paragraphs = toTerminalText(text, { multiline: true }).replace(/\t/g, ' ').split('\n');
  const lines: string[] = [];
  let current = prefix;
  let used = textCells(prefix);
  let lineHasWord = false;
  const newLine = (): void => {
    lines.push(current.trimEnd());
    current = hang;
    used = hang.length;
    lineHasWord = false;
  };
  paragraphs.forEach((paragraph, index) => {
    if (index > 0) newLine();
    for (const word of paragraph.split(' ').filter((part) => part !== '')) {
      const cells = textCells(word);
      const gap = lineHasWord ? 1 : 0;
      if (used + gap + cells <= width) {
        current += `${gap ? ' ' : ''}${word}`;
        used += gap + cells;
        lineHasWord = true;
        continue;
      }
      // A prefix wider than the hang: the word goes under it rather than being split.
      if (lineHasWord || (used > hang.length && cells <= width - hang.length)) newLine();
      for (const piece of splitToCells(word, Math.max(1, width - used), Math.max(1, width - hang.length))) {
        if (lineHasWord) newLine();
        current += piece;
        used += textCells(piece);
        lineHasWord = true;
      }
    }
  });
  lines.push(current.trimEnd());
  return lines;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Words of printable ASCII, one space between them: what the general path would leave as it is. */
const PLAIN_WORDS = /^(?:[\x21-\x7e]+(?: [\x21-\x7e]+)*)?$/;

/**
 * The common case, a short plain line, answered without splitting it into
 * words (gaffer status wraps a line per attempt: 30,000 on a big run): the
 * general path gives the same one line.
 */
function fitsPlain(prefix: string, text: string, width: number): boolean {
  return prefix.length + text.length <= width && PRINTABLE_ASCII.test(prefix) && PLAIN_WORDS.test(text);
}

/** `word` in pieces: the first fits `first` cells, the rest `rest` cells each. */
function splitToCells(word: string, first: number, rest: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let cells = 0;
  let room = first;
  for (const char of word) {
    const w = cellWidth(char);
    if (cells + w > room && piece !== '') {
      pieces.push(piece);
      piece = '';
      cells = 0;
      room = rest;
    }
    piece += char;
    cells += w;
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}
