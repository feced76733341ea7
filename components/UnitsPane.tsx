import { Box, Text } from 'ink';
import { memo } from 'react';
import { cellWidth } from '../src/util/cells.js';
import { visibleWindow } from './format.js';
import { ORIGIN_WORDS } from '../src/report/plan-changes.js';
import { ORIGIN_MARKS } from './keys.js';
import { PaneTitle } from './PaneTitle.js';
import { useUi } from './use-ui.js';
import { columnWidth, stateColor } from './WorkersPane.js';
import type { UnitRow } from './view-model/types.js';

interface Props {
  units: readonly UnitRow[];
  selected: number;
  focused: boolean;
  height: number;
  width: number;
}

/**
 * Failed, blocked and killed units, what `r` can send back to work (Tab selects
 * here); then removed units, and pending ones that joined during the run (marked
 * by origin: + discovered, ~ plan edit, ! fixup) or wait on an overlap.
 */
export const UnitsPane = memo(function UnitsPane({ units, selected, focused, height, width }: Props) {
  const { theme } = useUi();
  if (height <= 0) return null;
  const rows = height - 1;
  const { start, end } = visibleWindow(units.length, rows, Math.max(0, selected));
  const onlyRetryable = units.every((unit) => RETRYABLE.has(unit.status));
  const idWidth = idColumn(units.slice(start, end), width);
  return (
    <Box flexDirection="column" height={height}>
      <PaneTitle
        title={onlyRetryable ? 'Units to retry' : 'Units'}
        focused={focused}
        detail={units.length > rows ? `${start + 1}-${end} of ${units.length}` : undefined}
      />
      {units.length === 0 ? <Text dimColor>none: no unit is failed, blocked or killed</Text> : null}
      {units.slice(start, end).map((unit, offset) => {
        const isSelected = focused && start + offset === selected;
        return (
          <Box key={unit.id} width={width}>
            <UnitIdCells unit={unit} selected={isSelected} idWidth={idWidth} />
            <Box width={8} flexShrink={0} marginLeft={1}>
              <Text color={stateColor(unit.status, theme)}>{unit.status}</Text>
            </Box>
            <Box flexGrow={1} flexShrink={1}>
              <Text wrap="truncate-end" dimColor>
                {rowDetail(unit)}
              </Text>
            </Box>
          </Box>
        );
      })}
    </Box>
  );
});

/** A unit row's first cells, in the Units pane and the Units view: the selection marker, the origin's mark, the id. */
export function UnitIdCells({
  unit,
  selected,
  idWidth,
}: {
  unit: UnitRow;
  selected: boolean;
  idWidth: number;
}) {
  const { theme } = useUi();
  return (
    <>
      <Box width={2} flexShrink={0}>
        <Text bold color={selected ? theme.accent : undefined}>
          {selected ? '›' : ' '}
        </Text>
      </Box>
      <Box width={2} flexShrink={0}>
        <Text bold color={theme.accent}>
          {ORIGIN_MARKS[unit.origin]}
        </Text>
      </Box>
      <Box width={idWidth} flexShrink={0}>
        <Text wrap="truncate-end" bold={selected} dimColor={unit.status === 'removed'}>
          {unit.id}
        </Text>
      </Box>
    </>
  );
}

/** Marker, origin, the gap after the id, status. */
const FIXED_COLUMNS = 2 + 2 + 1 + 8;
const MIN_ID = 8;

/**
 * The id column: as wide as the longest id shown (up to a cap that grows with
 * the terminal), but the reason after the status is what the operator needs,
 * so ids give way first, down to MIN_ID cells, before a reason is cut.
 */
function idColumn(rows: readonly UnitRow[], width: number): number {
  const cap = columnWidth(18, 32, width, 120, 0.125);
  let longestId = MIN_ID;
  let longestDetail = 0;
  for (const unit of rows) {
    longestId = Math.max(longestId, cellWidth(unit.id));
    longestDetail = Math.max(longestDetail, cellWidth(rowDetail(unit)));
  }
  const leftByDetail = width - FIXED_COLUMNS - longestDetail;
  return Math.max(MIN_ID, Math.min(longestId, cap, Math.max(leftByDetail, MIN_ID)));
}

const RETRYABLE = new Set<UnitRow['status']>(['failed', 'blocked', 'killed']);

/** What the row says after the status: an overlap wait, how a waiting added unit joined, or the reason. */
function rowDetail(unit: UnitRow): string {
  if (unit.waitsFor !== null) return `waits for ${unit.waitsFor} (overlap)`;
  if (unit.status === 'pending' && unit.origin !== 'plan') {
    const from = unit.discoveredFrom === null ? '' : ` from ${unit.discoveredFrom}`;
    return `added by ${ORIGIN_WORDS[unit.origin]}${from}: ${unit.title}`;
  }
  return unit.reason;
}
