import { Box, Text } from 'ink';
import { memo } from 'react';
import { visibleWindow } from './format.js';
import { UNITS_VIEW_KEYS } from './keys.js';
import { UnitIdCells } from './UnitsPane.js';
import { useUi } from './use-ui.js';
import { SORT_WORDS, waitsOn } from './view-model/units-view.js';
import type { AttemptMark, UnitRow, UnitsView as Units } from './view-model/types.js';
import { stateColor } from './WorkersPane.js';

/** Border and padding around the view: two lines, four columns. */
const FRAME_LINES = 2;
const FRAME_COLUMNS = 4;

/**
 * `u`: every unit of the run, one row each: its state, what it waits on or
 * why it stopped, its attempts with their outcome, and what it spent. `s`
 * sorts, `/` filters, j/k and the arrows move, Enter opens the unit.
 */
export const UnitsView = memo(function UnitsView({
  units,
  height,
  width,
}: {
  units: Units;
  height: number;
  width: number;
}) {
  const { theme } = useUi();
  if (height < 3) return null;
  const inner = Math.max(1, height - FRAME_LINES - 1);
  const innerWidth = Math.max(1, width - FRAME_COLUMNS);
  const { rows, selected, total, sort, filter, typing } = units;
  const { start, end } = visibleWindow(rows.length, inner, selected);
  const statusOf = (id: string): UnitRow['status'] | undefined => rows.find((row) => row.id === id)?.status;
  const shown = rows.length === total ? `${total}` : `${rows.length} of ${total}`;
  const filterText = typing ? `/${filter}▏` : filter === '' ? '' : `/${filter}`;
  // Columns grow with the width: the id and the attempts take a share, the detail the rest.
  const idWidth = Math.max(12, Math.min(32, Math.floor(innerWidth * 0.22)));
  const marksWidth = innerWidth >= 90 ? 22 : innerWidth >= 70 ? 12 : 0;
  const spendWidth = innerWidth >= 100 && rows.some((row) => row.spend !== '') ? 17 : 0;
  return (
    <Box flexDirection="column" height={height} width={width} borderStyle="round" paddingX={1}>
      <Text wrap="truncate-end">
        <Text bold color={theme.accent}>{`Units: ${shown}`}</Text>
        <Text dimColor>{` · by ${SORT_WORDS[sort]}`}</Text>
        {filterText === '' ? null : <Text color={theme.warn}>{`  ${filterText}`}</Text>}
        <Text dimColor>{`  ${UNITS_VIEW_KEYS}`}</Text>
      </Text>
      {rows.length === 0 ? (
        <Text wrap="truncate-end">
          {total === 0 ? 'The plan has no unit yet.' : `No unit matches "${filter}": Esc clears the filter.`}
        </Text>
      ) : null}
      {rows.slice(start, end).map((unit, offset) => {
        const isSelected = start + offset === selected;
        return (
          <Box key={unit.id} width={innerWidth}>
            <UnitIdCells unit={unit} selected={isSelected} idWidth={idWidth} />
            <Box width={9} flexShrink={0} marginLeft={1}>
              <Text wrap="truncate-end" color={stateColor(unit.status, theme)}>
                {unit.status}
              </Text>
            </Box>
            {marksWidth > 0 ? (
              <Box width={marksWidth} flexShrink={0}>
                <Text wrap="truncate-start">{attemptMarks(unit)}</Text>
              </Box>
            ) : null}
            {spendWidth > 0 ? (
              <Box width={spendWidth} flexShrink={0}>
                <Text wrap="truncate-end">{unit.spend}</Text>
              </Box>
            ) : null}
            <Box flexGrow={1} flexShrink={1}>
              <Text wrap="truncate-end" dimColor>
                {unitDetail(unit, statusOf)}
              </Text>
            </Box>
          </Box>
        );
      })}
    </Box>
  );
});

/** One mark per ended attempt, oldest first: ✓ handed off, ✗ failed, ⏱ timed out, k killed, ! error. */
export function attemptMarks(unit: UnitRow): string {
  if (unit.attempts === 0) return '';
  const marks = unit.marks.map((mark) => `${mark.attempt}${MARK[mark.outcome]}`).join(' ');
  const running = unit.status === 'running' ? ` ${unit.attempts}…` : '';
  return `${marks}${running}`.trim();
}

const MARK: Record<AttemptMark['outcome'], string> = {
  running: '…',
  'handed-off': '✓',
  failed: '✗',
  'timed-out': '⏱',
  killed: 'k',
  reaped: '✗',
  error: '!',
};

/** After the state: what it waits on, how an added unit joined, or why it stopped. */
function unitDetail(unit: UnitRow, statusOf: (id: string) => UnitRow['status'] | undefined): string {
  const waiting = waitsOn(unit, statusOf);
  if (waiting !== '') return `waits for ${waiting}`;
  return unit.reason || unit.title;
}
