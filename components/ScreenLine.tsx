import { Text, Transform } from 'ink';
import { fitToWidth } from './view-model/screen-text.js';

const blanks = new Map<string, string>();
/** A block of spaces, `height` lines of `width`; one per size ever drawn. */
function blank(width: number, height: number): string {
  const key = `${width}x${height}`;
  let block = blanks.get(key);
  if (block === undefined)
    blanks.set(key, (block = Array.from({ length: height }, () => ' '.repeat(width)).join('\n')));
  return block;
}

/**
 * Lines of text that can be anything an agent printed, `width` columns each.
 *
 * Ink measures every distinct string a <Text> ever shows and keeps the result
 * in module-level caches that are never emptied (measure-text.js,
 * wrap-text.js in ink 6): fed a flood of output lines, that grows by hundreds
 * of bytes per line for as long as the process lives. Here Ink lays out and
 * measures a blank block of the same size (one cache entry per size), and the
 * lines themselves, already cut to the width, are swapped in line by line
 * when the frame is written. One node for the whole block keeps frames cheap.
 * No colour: the swap replaces the styled blank.
 */
export function ScreenLines({ lines, width }: { lines: readonly string[]; width: number }) {
  if (width <= 0 || lines.length === 0) return null;
  const shown = lines.map((line) => fitToWidth(line, width));
  return (
    <Transform transform={(_line, index) => shown[index] ?? ''}>
      <Text>{blank(width, shown.length)}</Text>
    </Transform>
  );
}

/** One such line. */
export function ScreenLine({ text, width }: { text: string; width: number }) {
  return <ScreenLines lines={[text]} width={width} />;
}
