import { Box, Text } from 'ink';
import { KEYS, ORIGIN_LEGEND } from './keys.js';
import { useUi } from './use-ui.js';

/** `?`: every key with what it does. */
export function HelpOverlay({ height, width }: { height: number; width: number }) {
  const { theme } = useUi();
  const rows = KEYS.slice(0, Math.max(0, height - 5));
  return (
    <Box flexDirection="column" height={height} width={width} borderStyle="round" paddingX={1}>
      <Text bold color={theme.accent}>
        Keys (any key closes this)
      </Text>
      {rows.map((entry) => (
        <Text key={entry.key} wrap="truncate-end">
          <Text bold>{entry.key.padEnd(4)}</Text>
          {entry.long}
        </Text>
      ))}
      <Text wrap="truncate-end" dimColor>
        Rounds and Health: ✓ done or passed · ✗ failed · ! errors · m merged · r rejected
      </Text>
      <Text wrap="truncate-end" dimColor>
        {ORIGIN_LEGEND}
      </Text>
    </Box>
  );
}
