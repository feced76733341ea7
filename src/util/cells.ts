/**
 * Widths in terminal cells, not code points: a CJK character or an emoji
 * takes two cells, a combining mark none. Every cut, pad and column in the
 * panes measures with these, and they measure the way Ink does (string-width,
 * the module Ink lays its boxes out with), so a line cut here is exactly as
 * wide as Ink thinks it is, and never wider than the terminal.
 *
 * Cuts fall between graphemes (what the eye sees as one character): a flag,
 * an emoji with a skin tone or an accented letter is kept whole or dropped.
 */
import { createRequire } from 'node:module';

type Measure = (text: string) => number;

/**
 * string-width, loaded the first time text outside ONE_CELL_EACH is measured:
 * loading it makes a grapheme segmenter (ICU's break rules) and its emoji
 * expressions, 25 to 50 ms that `gaffer status` (all ASCII, as a rule) would
 * otherwise pay on every call. Where node can
 * require an ES module (20.19 and later) it is required then; an older node
 * imports it here, as before.
 */
const eagerStringWidth: Measure | undefined = (process.features as { require_module?: boolean })
  .require_module
  ? undefined
  : (await import('string-width')).default;
let loadedStringWidth = eagerStringWidth;

function stringWidth(text: string): number {
  loadedStringWidth ??= (createRequire(import.meta.url)('string-width') as { default: Measure }).default;
  return loadedStringWidth(text);
}

/** Made on first use: a segmenter loads ICU's break rules, 10 to 30 ms that status's ASCII never needs. */
let segmenter: Intl.Segmenter | undefined;
function graphemesOf(text: string): Intl.Segments {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return segmenter.segment(text);
}

/** Cells `text` takes on a terminal. */
export function cellWidth(text: string): number {
  // The common case without the grapheme walk: plain ASCII, Latin-1 and Latin Extended letters, and
  // the dashes, quotes, ellipsis and bullets of gaffer's own text (status prints "—", "·" and "…" on
  // every run); each one cell in string-width, none joins another. string-width's first call builds
  // its emoji expressions: 45 ms of `gaffer status`, for text these ranges cover.
  return ONE_CELL_EACH.test(text) ? text.length : stringWidth(text);
}

/** Characters of one cell each that never combine (U+00AD, the soft hyphen, takes none: left out). */
const ONE_CELL_EACH = /^[\x20-\x7e\u00a0-\u00ac\u00ae-\u02ff\u2010-\u2027]*$/;

/** At most `width` cells of `text`; a cut one ends in `…` (within the width). */
export function cutCells(text: string, width: number): string {
  if (width <= 0) return '';
  if (cellWidth(text) <= width) return text;
  return `${takeCells(text, width - 1)}…`;
}

/** `text` cut to `width` cells and padded with spaces to exactly `width` cells. */
export function padCells(text: string, width: number): string {
  if (width <= 0) return '';
  const cut = cutCells(text, width);
  return cut + ' '.repeat(Math.max(0, width - cellWidth(cut)));
}

/**
 * Text in lines of at most `width` cells, broken at spaces where it can (a
 * word longer than a line is split between graphemes); its own line breaks kept.
 */
export function wrapCells(text: string, width: number): string[] {
  if (width <= 0) return [];
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    let used = 0;
    for (const word of paragraph.split(' ')) {
      const size = cellWidth(word);
      if (used > 0 && used + 1 + size <= width) {
        line += ` ${word}`;
        used += 1 + size;
        continue;
      }
      if (used > 0 || line !== '') lines.push(line);
      line = '';
      used = 0;
      for (const { segment } of graphemesOf(word)) {
        const w = stringWidth(segment);
        if (w > width) continue; // wider than the whole line (a CJK character in one cell): cannot be shown
        if (used + w > width) {
          lines.push(line);
          line = '';
          used = 0;
        }
        line += segment;
        used += w;
      }
    }
    lines.push(line);
  }
  return lines;
}

/** The longest start of `text` that takes at most `width` cells. */
function takeCells(text: string, width: number): string {
  let out = '';
  let used = 0;
  for (const { segment } of graphemesOf(text)) {
    const w = stringWidth(segment);
    if (used + w > width) break;
    out += segment;
    used += w;
  }
  return out;
}
