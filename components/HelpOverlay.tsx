import { Box, Text } from 'ink';
import { padCells, wrapCells } from '../src/util/cells.js';
import { KEYS, ORIGIN_LEGEND } from './keys.js';
import { useUi } from './use-ui.js';

/** A rule above the overlay sets it off from the header; no side borders: every cell goes to the text. */
const FRAME_LINES = 1;
/** The key's column: the longest key (`Tab`) and a space. */
const KEY_COLUMN = 4;
const MARKS_LEGEND = 'Rounds and Health: ✓ done or passed · ✗ failed · ! errors · m merged · r rejected';

interface HelpLine {
  key: string;
  text: string;
  dim: boolean;
}

/**
 * `?`: every key with what it does, each description wrapped under its key
 * rather than cut (on a narrow terminal the explanation is the point); what
 * does not fit in the window's height is counted on the last line.
 */
export function HelpOverlay({ height, width }: { height: number; width: number }) {
  const { theme } = useUi();
  const inner = Math.max(1, width);
  const lines = helpLines(inner);
  const room = Math.max(0, height - FRAME_LINES - 1);
  const shown =
    lines.length > room
      ? [
          ...lines.slice(0, Math.max(0, room - 1)),
          {
            key: 'more',
            text: `… ${lines.length - room + 1} more lines: a taller window shows them`,
            dim: true,
          },
        ]
      : lines;
  return (
    <Box
      flexDirection="column"
      height={height}
      width={width}
      borderStyle="single"
      borderLeft={false}
      borderRight={false}
      borderBottom={false}
    >
      <Text bold color={theme.accent} wrap="truncate-end">
        Keys (any key closes this)
      </Text>
      {shown.map((line) => (
        <Text key={line.key} wrap="truncate-end" dimColor={line.dim}>
          {line.text}
        </Text>
      ))}
    </Box>
  );
}

/** Every line of the help at `width` cells: keys with their wrapped descriptions, then the legends. */
export function helpLines(width: number): HelpLine[] {
  const lines: HelpLine[] = [];
  const textWidth = Math.max(1, width - KEY_COLUMN);
  for (const entry of KEYS) {
    wrapCells(entry.long, textWidth).forEach((text, index) => {
      const lead = index === 0 ? padCells(entry.key, KEY_COLUMN) : ' '.repeat(KEY_COLUMN);
      lines.push({ key: `${entry.key}-${index}`, text: lead + text, dim: false });
    });
  }
  for (const [name, legend] of [
    ['marks', MARKS_LEGEND],
    ['origins', ORIGIN_LEGEND],
  ] as const)
    wrapCells(legend, width).forEach((text, index) =>
      lines.push({ key: `${name}-${index}`, text, dim: true }),
    );
  return lines;
}
