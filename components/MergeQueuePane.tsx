import { Box, Text } from 'ink';
import { memo } from 'react';
import { cellWidth, cutCells } from '../src/util/cells.js';
import { shortSha } from './format.js';
import { PaneTitle } from './PaneTitle.js';
import { useUi } from './use-ui.js';
import { stateColor } from './WorkersPane.js';
import type { MergeRow } from './view-model/types.js';

/** Merges in flight (by position), then the newest ended ones: merged, or rejected with its class. */
export const MergeQueuePane = memo(function MergeQueuePane({
  merges,
  height,
  width,
}: {
  merges: readonly MergeRow[];
  height: number;
  width: number;
}) {
  const { theme } = useUi();
  if (height <= 0) return null;
  const inFlight = merges.filter((row) => row.position !== null);
  const ended = merges.filter((row) => row.position === null).reverse();
  const shown = [...inFlight, ...ended].slice(0, Math.max(0, height - 1));
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0} paddingRight={1}>
      <PaneTitle title="Merge queue" detail={`${inFlight.length} in flight`} />
      {merges.length === 0 ? <Text dimColor>empty</Text> : null}
      {shown.map((row) => {
        const verdict =
          row.state === 'rejected'
            ? `rejected (${row.rejectClass ?? '?'})`
            : row.state === 'merged'
              ? `merged ${shortSha(row.commit)}`
              : row.state;
        // The verdict is what the row is for: a long unit id is cut to leave it room, and on a narrow
        // pane the verdict itself is said in short (✗ regression, ✓ 0123abc).
        const room = width - 1 - 3 - 1;
        const state = room - cellWidth(verdict) >= MIN_ID ? verdict : shortVerdict(row);
        const idRoom = room - cellWidth(state);
        return (
          <Text key={row.mergeId} wrap="truncate-end">
            {`${row.position === null ? ' -' : String(row.position).padStart(2)} ${cutCells(row.unitId, Math.max(MIN_ID, idRoom))} `}
            <Text color={stateColor(row.state, theme)}>{state}</Text>
          </Text>
        );
      })}
    </Box>
  );
});

/** Cells an id keeps before the verdict is shortened instead. */
const MIN_ID = 6;

function shortVerdict(row: MergeRow): string {
  if (row.state === 'rejected') return `✗ ${row.rejectClass ?? '?'}`;
  if (row.state === 'merged') return `✓ ${shortSha(row.commit)}`;
  return row.state;
}
