import { Box, Text } from 'ink';
import { separatorOf, type Part } from './fit-line.js';

/**
 * A line of parts already fitted to the width (fitParts). Each part is a Text
 * of its own: Ink keeps every distinct string it measured, so a part that
 * changes every second (elapsed time, an estimate) stays a short string.
 */
export function PartsLine({ parts, dim }: { parts: readonly Part[]; dim?: boolean }) {
  return (
    <Box>
      {parts.map((part, index) => (
        <Text key={part.key} wrap="truncate-end" dimColor={dim === true}>
          {separatorOf(parts, index)}
          <Text color={part.color} bold={part.bold === true} dimColor={dim === true || part.dim === true}>
            {part.text}
          </Text>
        </Text>
      ))}
    </Box>
  );
}
