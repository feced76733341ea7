import { Box, Text } from 'ink';
import { memo } from 'react';
import { KEYS } from './keys.js';
import { useUi } from './use-ui.js';
import type { Message } from './view-model/types.js';

const MARK: Record<Message['kind'], string> = { ok: '✓', refused: '✗', warning: '!', info: '·' };

/**
 * The newest message (a command's answer, a warning, a plan edit), kept until
 * the next one; then the proposals waiting, if any (v opens them: the help names
 * that key, the line has no room for it otherwise), and the keys (Enter, for
 * the detail, is named by the help alone, for the same reason).
 */
export const Footer = memo(function Footer({
  message,
  proposals,
}: {
  message: Message | undefined;
  proposals: number;
}) {
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
      <Text wrap="truncate-end">
        {proposals > 0 ? (
          <Text
            bold
            color={theme.accent}
          >{`${proposals} proposal${proposals === 1 ? '' : 's'}: v to review │ `}</Text>
        ) : null}
        <Text dimColor>
          {KEYS.filter((entry) => entry.key !== '^C' && entry.key !== 'v' && entry.key !== '⏎')
            .map((entry) => `${entry.key} ${entry.short}`)
            .join(' · ')}
        </Text>
      </Text>
    </Box>
  );
});
