import { Box, Text } from 'ink';
import { memo } from 'react';
import { KEYS } from './keys.js';
import { useUi } from './use-ui.js';
import type { Message } from './view-model/types.js';

const MARK: Record<Message['kind'], string> = { ok: '✓', refused: '✗', warning: '!', info: '·' };

/** The newest message (a command's answer or a warning), then the keys. */
export const Footer = memo(function Footer({ message }: { message: Message | undefined }) {
  const { theme } = useUi();
  const color =
    message?.kind === 'ok'
      ? theme.ok
      : message?.kind === 'refused'
        ? theme.warn
        : message?.kind === 'warning'
          ? theme.bad
          : undefined;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end" color={color}>
        {message ? `${MARK[message.kind]} ${message.text}` : ' '}
      </Text>
      <Text wrap="truncate-end" dimColor>
        {KEYS.filter((entry) => entry.key !== '^C')
          .map((entry) => `${entry.key} ${entry.short}`)
          .join(' · ')}
      </Text>
    </Box>
  );
});
