import { Box, Text } from 'ink';
import { memo } from 'react';
import { cellWidth, cutCells, wrapCells } from '../src/util/cells.js';
import { fitParts, type Part } from './fit-line.js';
import { KEYS } from './keys.js';
import { PartsLine } from './PartsLine.js';
import { ReplayLine } from './replay/ReplayLine.js';
import { useUi } from './use-ui.js';
import type { Message } from './view-model/types.js';

const MARK: Record<Message['kind'], string> = { ok: '✓', refused: '✗', warning: '!', info: '·' };

/** Keys the footer keeps longest as the terminal narrows: quitting and help first. */
const KEY_PRIORITY: Record<string, number> = {
  q: 99,
  '?': 98,
  k: 90,
  r: 89,
  '↑↓': 80,
  Tab: 45,
  u: 65,
  '⏎': 62,
  p: 60,
  d: 50,
};

/**
 * The newest message (a command's answer, a warning, a plan edit), kept until
 * the next one and wrapped over as many lines as the footer has for it
 * (footerLines), so its end is never lost to the width; then the proposals
 * waiting, if any (v opens them: the help names that key), and the keys that fit.
 */
export const Footer = memo(function Footer({
  message,
  proposals,
  width,
  lines = FOOTER_MIN_LINES,
}: {
  message: Message | undefined;
  proposals: number;
  width: number;
  /** Lines for the footer, the keys' line included (footerLines). */
  lines?: number;
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
  const text = message ? messageLines(message, width, lines - 1) : [' '];
  // v has its own note when proposals wait; keys marked footer: false are the help's alone.
  const keys: Part[] = KEYS.filter(
    (entry) => entry.key !== '^C' && entry.key !== 'v' && entry.footer !== false,
  ).map((entry) => ({
    key: entry.key,
    text: `${entry.key} ${entry.short}`,
    priority: KEY_PRIORITY[entry.key] ?? 40,
  }));
  if (proposals > 0) {
    keys.unshift({
      key: 'proposals',
      text: `${proposals} proposal${proposals === 1 ? '' : 's'}: v to review`,
      priority: 100,
      bold: true,
      color: theme.accent,
    });
    if (keys[1]) keys[1] = { ...keys[1], separator: ' │ ' };
  }
  return (
    <Box flexDirection="column">
      {text.map((line, index) => (
        <Text key={index} wrap="truncate-end" color={color}>
          {line}
        </Text>
      ))}
      {replay ? (
        <ReplayLine replay={replay} />
      ) : (
        <PartsLine
          parts={fitParts(keys, width).map((part) => ({ ...part, dim: part.key !== 'proposals' }))}
        />
      )}
    </Box>
  );
});

/** One line for the message and one for the keys, unless the message needs more. */
export const FOOTER_MIN_LINES = 2;

/**
 * Lines the footer takes: the message wrapped to the width, at most
 * `maxMessageLines` of it (3 on a tall terminal, 2 below 30 rows), and the keys.
 */
export function footerLines(message: Message | undefined, width: number, rows: number): number {
  if (!message) return FOOTER_MIN_LINES;
  const wanted = wrapCells(messageText(message), width).length;
  return 1 + Math.max(1, Math.min(wanted, rows >= 30 ? 3 : 2));
}

function messageText(message: Message): string {
  return `${MARK[message.kind]} ${message.text}`;
}

/** The message wrapped into `count` lines at most; a longer one ends in … on its last line. */
function messageLines(message: Message, width: number, count: number): string[] {
  const wrapped = wrapCells(messageText(message), width);
  if (wrapped.length <= count) return wrapped;
  const shown = wrapped.slice(0, Math.max(1, count));
  const last = shown.length - 1;
  const line = shown[last] ?? '';
  shown[last] = cellWidth(line) < width ? `${line}…` : cutCells(`${line}…`, width);
  return shown;
}
