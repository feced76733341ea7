import { Box, Text } from 'ink';
import { memo } from 'react';
import { cellWidth } from '../src/util/cells.js';
import { formatDuration, signed } from './format.js';
import { PaneTitle } from './PaneTitle.js';
import { useUi } from './use-ui.js';
import type { RoundRow } from './view-model/types.js';

/** Cells a bar needs to say anything; below it the row shows counts only. */
const MIN_BAR = 4;
/** Room kept for the duration (`59m59s…`) and the space before it. */
const DURATION_CELLS = 8;

/**
 * A row per round (the newest that fit): a timeline bar, its span on an axis
 * shared by every row (from the first round shown to now), so long and short
 * rounds and the gaps between them read at a glance; then done/failed,
 * merges/rejections, the health change and the duration.
 */
export const RoundsPane = memo(function RoundsPane({
  rounds,
  height,
  width,
  now,
}: {
  rounds: readonly RoundRow[];
  height: number;
  width: number;
  now: number;
}) {
  const { theme } = useUi();
  if (height <= 0) return null;
  const shown = rounds.slice(-Math.max(0, height - 1));
  const countsCells = Math.max(0, ...shown.map((row) => cellWidth(countsText(row))));
  // Inner width: the pane keeps a column of padding on its right.
  const barCells = width - 1 - 3 - countsCells - 1 - DURATION_CELLS;
  const axis = barCells >= MIN_BAR ? timeAxis(shown, now) : null;
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0} paddingRight={1}>
      <PaneTitle title="Rounds" detail={width >= 30 ? 'm merged · r rejected' : undefined} />
      {rounds.length === 0 ? <Text dimColor>no round yet</Text> : null}
      {shown.map((row) => {
        const healthColor =
          row.healthDelta === null || row.healthDelta === 0
            ? undefined
            : row.healthDelta > 0
              ? theme.ok
              : theme.bad;
        const duration = formatDuration(row.durationMs ?? now - row.startedAt);
        return (
          <Box key={row.round}>
            {/* Spaces lead each Text: Ink drops a Text's trailing spaces. */}
            <Text>{String(row.round).padStart(2)}</Text>
            {axis ? (
              <Text
                color={row.durationMs === null ? theme.accent : undefined}
                dimColor={row.durationMs !== null}
              >
                {` ${timelineBar(row, axis, barCells, now)}`}
              </Text>
            ) : null}
            <Text wrap="truncate-end">
              <Text color={row.done > 0 ? theme.ok : undefined}>{` ${row.done}✓`}</Text>
              <Text color={row.failed > 0 ? theme.bad : undefined}>{` ${row.failed}✗`}</Text>
              {` ${row.merged}m ${row.rejected}r`}
              <Text color={healthColor}>{healthText(row) ? ` ${healthText(row)}` : ''}</Text>
            </Text>
            {/* Its own Text: the running round's duration changes every second. */}
            <Text wrap="truncate-end">{` ${row.durationMs === null ? `${duration}…` : duration}`}</Text>
          </Box>
        );
      })}
    </Box>
  );
});

function healthText(row: RoundRow): string {
  if (row.checksPassed === null) return '';
  const delta = row.healthDelta === null || row.healthDelta === 0 ? '' : ` ${signed(row.healthDelta)}`;
  return `${row.checksPassed}/${row.checksTotal ?? 0}${delta}`;
}

function countsText(row: RoundRow): string {
  const health = healthText(row);
  return `${row.done}✓ ${row.failed}✗ ${row.merged}m ${row.rejected}r${health ? ` ${health}` : ''}`;
}

/** The shared axis: from the first round shown to the end of the last (now, while it runs). */
export function timeAxis(rows: readonly RoundRow[], now: number): { from: number; to: number } | null {
  const first = rows[0];
  if (!first) return null;
  let to = first.startedAt;
  for (const row of rows) to = Math.max(to, row.startedAt + (row.durationMs ?? now - row.startedAt));
  return { from: first.startedAt, to: Math.max(to, first.startedAt + 1) };
}

/** A round's span on the axis, `cells` wide: ▇ where it ran, · elsewhere; every round at least one ▇. */
export function timelineBar(
  row: RoundRow,
  axis: { from: number; to: number },
  cells: number,
  now: number,
): string {
  const span = axis.to - axis.from;
  const start = Math.min(cells - 1, Math.max(0, Math.floor(((row.startedAt - axis.from) / span) * cells)));
  const end = row.startedAt + (row.durationMs ?? now - row.startedAt);
  const stop = Math.min(cells, Math.max(start + 1, Math.ceil(((end - axis.from) / span) * cells)));
  return '·'.repeat(start) + '▇'.repeat(stop - start) + '·'.repeat(cells - stop);
}
