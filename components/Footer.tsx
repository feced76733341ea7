import { Box, Text } from 'ink';
import { memo } from 'react';
import { KEYS } from './keys.js';
import { ReplayLine } from './replay/ReplayLine.js';
import { useUi } from './use-ui.js';
import type { Message } from './view-model/types.js';

const MARK: Record<Message['kind'], string> = { ok: '✓', refused: '✗', warning: '!', info: '·' };

/**
 * The newest message (a command's answer, a warning, a plan edit), kept until
 * the next one; then the proposals waiting, if any (v opens them: the help names
 * that key, the line has no room for it otherwise), and the keys.
 */
export const Footer = memo(function Footer({
  message,
  proposals,
}: {
  message: Message | undefined;
  proposals: number;
}) {
  const { theme, replay } = useUi();
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
        {replay ? (
          <ReplayLine replay={replay} />
        ) : (
          <Text dimColor>
            {KEYS.filter((entry) => !FOOTER_LEAVES_OUT.has(entry.key) && entry.footer !== false)
              .map((entry) => `${entry.key} ${entry.short}`)
              .join(' · ')}
          </Text>
        )}
      </Text>
    </Box>
  );
});

/** Keys the footer leaves to the help (?) so the rest fit 80 columns: v has its own note when proposals wait. */
const FOOTER_LEAVES_OUT = new Set(['^C', 'v', 'Tab']);
