import { Box, Text, useInput, type Key } from 'ink';
import { useEffect, useMemo, useState } from 'react';
import type { UnitDetail as Detail } from '../src/controller/control.js';
import { errorMessage } from '../src/errors.js';
import { DETAIL_KEYS } from './keys.js';
import type { Theme } from './theme.js';
import { useUi } from './use-ui.js';
import { detailLines, type DetailLine, type Tone } from './view-model/detail-lines.js';
import { fitToWidth } from './view-model/screen-text.js';

/** Border and padding around the view: two lines, four columns; a title and a position line inside. */
const FRAME_LINES = 2;
const FRAME_COLUMNS = 4;
const OWN_LINES = 2;

type Loaded =
  | { state: 'loading' }
  | { state: 'failed'; message: string }
  | { state: 'missing' }
  | { state: 'loaded'; detail: Detail };

/**
 * Enter: everything recorded about one unit (why it failed, the verdict per
 * check, whose merge a failure came with, its handoff, every attempt, its
 * diff), read from the controller when it opens and scrolled here: j/k ↑↓ a
 * line, PgUp/PgDn a page, Home/End. Esc or Enter closes (use-keys).
 */
export function UnitDetail({ unitId, height, width }: { unitId: string; height: number; width: number }) {
  const { control, theme } = useUi();
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const [top, setTop] = useState(0);
  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
    setTop(0);
    Promise.resolve()
      .then(() => control.detail(unitId))
      .then(
        (detail) => current && setLoaded(detail ? { state: 'loaded', detail } : { state: 'missing' }),
        (error: unknown) => current && setLoaded({ state: 'failed', message: errorMessage(error) }),
      );
    return () => {
      current = false;
    };
  }, [control, unitId]);
  const innerWidth = Math.max(1, width - FRAME_COLUMNS);
  const page = Math.max(1, height - FRAME_LINES - OWN_LINES);
  const lines = useMemo(() => linesOf(loaded, unitId, innerWidth), [loaded, unitId, innerWidth]);
  const last = Math.max(0, lines.length - page);
  const start = Math.min(top, last);
  useInput((input: string, key: Key) => {
    const to = scrollTarget(input, key, start, page, last);
    if (to !== undefined && to !== start) setTop(to);
  });
  if (height < FRAME_LINES + OWN_LINES) return null;
  const title =
    loaded.state === 'loaded'
      ? `${loaded.detail.id} · ${loaded.detail.title} · ${loaded.detail.status}`
      : `${unitId}`;
  const shown = lines.slice(start, start + page);
  const position =
    lines.length > page ? `lines ${start + 1}–${start + shown.length} of ${lines.length} · ` : '';
  return (
    <Box flexDirection="column" height={height} width={width} borderStyle="round" paddingX={1}>
      <Text wrap="truncate-end" bold color={theme.accent}>
        {fitToWidth(title, innerWidth)}
      </Text>
      {shown.map((line, index) => (
        <Text key={start + index} wrap="truncate-end" {...toneProps(line.tone, theme)}>
          {fitToWidth(line.text, innerWidth) || ' '}
        </Text>
      ))}
      <Box flexGrow={1} />
      <Text wrap="truncate-end" dimColor>
        {fitToWidth(`${position}${DETAIL_KEYS}`, innerWidth)}
      </Text>
    </Box>
  );
}

function linesOf(loaded: Loaded, unitId: string, width: number): DetailLine[] {
  switch (loaded.state) {
    case 'loading':
      return [{ text: 'loading…', tone: 'muted' }];
    case 'failed':
      return [{ text: `could not load the detail of ${unitId}: ${loaded.message}`, tone: 'bad' }];
    case 'missing':
      return [{ text: `the run has no unit ${unitId}`, tone: 'bad' }];
    case 'loaded':
      return detailLines(loaded.detail, width);
    default: {
      const never: never = loaded;
      return never;
    }
  }
}

/** Where a scroll key moves the top line; undefined for any other key. */
export function scrollTarget(
  input: string,
  key: Key,
  top: number,
  page: number,
  last: number,
): number | undefined {
  const clamp = (value: number): number => Math.max(0, Math.min(last, value));
  if (key.upArrow || input === 'k') return clamp(top - 1);
  if (key.downArrow || input === 'j') return clamp(top + 1);
  if (key.pageUp) return clamp(top - page);
  if (key.pageDown || input === ' ') return clamp(top + page);
  if (key.home || input === 'g') return 0;
  if (key.end || input === 'G') return last;
  return undefined;
}

function toneProps(tone: Tone, theme: Theme): { color?: string; bold?: boolean; dimColor?: boolean } {
  switch (tone) {
    case 'heading':
      return { bold: true };
    case 'ok':
      return { color: theme.ok };
    case 'bad':
      return { color: theme.bad };
    case 'muted':
      return { dimColor: true };
    case 'plain':
      return {};
    default: {
      const never: never = tone;
      return never;
    }
  }
}
