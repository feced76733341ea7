import { Box, Text } from 'ink';
import { memo } from 'react';
import { formatDuration, signed } from './format.js';
import { PaneTitle } from './PaneTitle.js';
import { useUi } from './use-ui.js';
import type { RoundRow } from './view-model/types.js';

/** A row per round (the newest that fit): done/failed, merges/rejections, health change, duration. */
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
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0} paddingRight={1}>
      <PaneTitle title="Rounds" detail={width >= 30 ? 'm merged · r rejected' : undefined} />
      {rounds.length === 0 ? <Text dimColor>no round yet</Text> : null}
      {shown.map((row) => {
        const health =
          row.checksPassed === null
            ? ''
            : `${row.checksPassed}/${row.checksTotal ?? 0}${row.healthDelta === null || row.healthDelta === 0 ? '' : ` ${signed(row.healthDelta)}`}`;
        const healthColor =
          row.healthDelta === null || row.healthDelta === 0
            ? undefined
            : row.healthDelta > 0
              ? theme.ok
              : theme.bad;
        const duration = formatDuration(row.durationMs ?? now - row.startedAt);
        return (
          <Box key={row.round}>
            <Text wrap="truncate-end">
              {`${String(row.round).padStart(2)} `}
              <Text color={row.done > 0 ? theme.ok : undefined}>{`${row.done}✓`}</Text>
              <Text color={row.failed > 0 ? theme.bad : undefined}>{` ${row.failed}✗`}</Text>
              {` ${row.merged}m ${row.rejected}r `}
              <Text color={healthColor}>{health}</Text>
            </Text>
            {/* Its own Text: the running round's duration changes every second. */}
            <Text wrap="truncate-end">{` ${row.durationMs === null ? `${duration}…` : duration}`}</Text>
          </Box>
        );
      })}
    </Box>
  );
});
