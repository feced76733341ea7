import { Box, Text } from 'ink';
import { memo } from 'react';
import { formatDuration, visibleWindow } from './format.js';
import { PaneTitle } from './PaneTitle.js';
import { ScreenLine } from './ScreenLine.js';
import type { Theme } from './theme.js';
import { useUi } from './use-ui.js';
import { usesWorkerHosts } from './view-model/host-state.js';
import { cellWidth } from './view-model/screen-text.js';
import type { HostRow, WorkerRow } from './view-model/types.js';

interface Props {
  workers: readonly WorkerRow[];
  /** The worker hosts' states: with any (or an attempt placed on one), each row says where it runs. */
  hosts: readonly HostRow[];
  /** The selected row, or -1 when the other pane has the focus. */
  selected: number;
  focused: boolean;
  height: number;
  width: number;
  now: number;
  maxAttempts: number | null;
}

/**
 * A row per slot: unit, where it runs (`@build-1`, only on a run with worker
 * hosts), attempt k of max, state, elapsed time, what it spent, the newest
 * output line.
 */
export const WorkersPane = memo(function WorkersPane(props: Props) {
  const { theme } = useUi();
  const { workers, hosts, selected, focused, height, width, now, maxAttempts } = props;
  if (height <= 0) return null;
  const rows = height - 1;
  const { start, end } = visibleWindow(workers.length, rows, Math.max(0, selected));
  const busy = workers.filter((worker) => worker.running).length;
  const showTitle = width >= 100;
  // Wider terminals give the names room: at 200 columns a title is read whole, not cut at 22.
  const idWidth = columnWidth(16, 28, width, 120, 0.1);
  const titleWidth = showTitle ? columnWidth(22, 48, width, 100, 0.25) : 0;
  // A column for cost only once an agent reported usage (the scripted and plain command agents do not).
  const spendWidth = workers.some((worker) => worker.spend !== '') ? SPEND_WIDTH : 0;
  // The fixed columns: marker and slot, unit, title, attempt, state, elapsed, spend; the newest line takes the rest.
  const restWidth =
    width - (4 + idWidth + (showTitle ? titleWidth + 1 : 0) + 1 + ATTEMPT_WIDTH + 8 + 7 + spendWidth);
  const hostWidth = usesWorkerHosts(hosts, workers) ? hostColumnWidth(workers, restWidth) : 0;
  const lastLineWidth = restWidth - hostWidth;
  return (
    <Box flexDirection="column" height={height}>
      <PaneTitle
        title="Workers"
        focused={focused}
        detail={`${busy}/${workers.length} busy${workers.length > rows ? ` · ${start + 1}-${end} of ${workers.length}` : ''}`}
      />
      {workers.length === 0 ? <Text dimColor>no attempt has started yet</Text> : null}
      {workers.slice(start, end).map((worker, offset) => {
        const index = start + offset;
        const isSelected = index === selected;
        const attempt = worker.unitId === null ? '' : attemptText(worker, maxAttempts);
        const elapsed =
          worker.unitId === null ? '' : formatDuration((worker.endedAt ?? now) - worker.startedAt);
        return (
          <Box key={worker.slot} width={width}>
            <Box width={4} flexShrink={0}>
              <Text bold={isSelected} color={isSelected ? theme.accent : undefined}>
                {`${isSelected ? '›' : ' '}${String(worker.slot).padStart(2)} `}
              </Text>
            </Box>
            <Box width={idWidth} flexShrink={0}>
              <Text wrap="truncate-end" bold={isSelected}>
                {worker.unitId ?? '(idle)'}
              </Text>
            </Box>
            {hostWidth > 0 ? (
              <Box width={hostWidth - 1} flexShrink={0} marginLeft={1}>
                <Text wrap="truncate-end" {...hostLook(worker, hosts, theme)}>
                  {worker.unitId === null ? '' : `@${worker.host}`}
                </Text>
              </Box>
            ) : null}
            {showTitle ? (
              <Box width={titleWidth} flexShrink={0} marginLeft={1}>
                <Text wrap="truncate-end" dimColor>
                  {worker.title}
                </Text>
              </Box>
            ) : null}
            <Box width={ATTEMPT_WIDTH} flexShrink={0} marginLeft={1}>
              <Text wrap="truncate-end">{attempt}</Text>
            </Box>
            <Box width={8} flexShrink={0}>
              <Text wrap="truncate-end" color={stateColor(worker.state, theme)}>
                {worker.state}
              </Text>
            </Box>
            <Box width={7} flexShrink={0}>
              <Text wrap="truncate-end">{elapsed}</Text>
            </Box>
            {spendWidth > 0 ? (
              <Box width={spendWidth} flexShrink={0}>
                <Text wrap="truncate-end">{worker.spend}</Text>
              </Box>
            ) : null}
            <ScreenLine text={worker.lastLine} width={lastLineWidth} />
          </Box>
        );
      })}
    </Box>
  );
});

/**
 * The attempt's number, and the strikes before it of the most allowed once
 * there are any: `#3 1✗/3`. Attempts that cost no strike (a kill, an
 * operator's retry, a resume) never make it look like the last chance.
 */
export function attemptText(
  worker: Pick<WorkerRow, 'attempt' | 'strikes'>,
  maxAttempts: number | null,
): string {
  if (worker.strikes === 0 || maxAttempts === null) return `#${worker.attempt}`;
  return `#${worker.attempt} ${worker.strikes}✗/${maxAttempts}`;
}

/**
 * A column `min` cells wide up to `from` columns of terminal, growing by
 * `share` of every column beyond, up to `max`.
 */
export function columnWidth(min: number, max: number, width: number, from: number, share: number): number {
  return Math.max(min, Math.min(max, min + Math.floor((width - from) * share)));
}

/**
 * The host column, its margin included: as wide as the longest `@name` (up to
 * HOST_WIDTH), taken from the newest line's room but never below
 * MIN_LAST_LINE of it; cut on a narrow terminal, and gone when too narrow.
 */
function hostColumnWidth(workers: readonly WorkerRow[], restWidth: number): number {
  const longest = Math.max(0, ...workers.map((worker) => cellWidth(worker.host) + 1));
  const room = Math.min(Math.min(HOST_WIDTH, longest) + 1, restWidth - MIN_LAST_LINE);
  return room >= 5 ? room : 0;
}

/** A slot on a host that is down or reconnecting says so in colour; otherwise the place is quiet. */
function hostLook(
  worker: WorkerRow,
  hosts: readonly HostRow[],
  theme: Theme,
): { color?: string; dimColor?: boolean } {
  const state = hosts.find((host) => host.name === worker.host)?.state;
  if (state === 'down' && theme.bad) return { color: theme.bad };
  if (state === 'connecting' && theme.warn) return { color: theme.warn };
  return { dimColor: true };
}

/** `@` and the longest host name shown whole. */
const HOST_WIDTH = 13;
/** Cells of the newest line the host column leaves on a narrow terminal. */
const MIN_LAST_LINE = 5;
/** `$12.34 123.4k tok` and a space. */
const SPEND_WIDTH = 18;
/** `#12 2✗/3` and a space. */
const ATTEMPT_WIDTH = 10;

export function stateColor(state: string, theme: Theme): string | undefined {
  switch (state) {
    case 'running':
    case 'merging':
      return theme.accent;
    case 'done':
    case 'merged':
    case 'passed':
      return theme.ok;
    case 'failed':
    case 'rejected':
    case 'error':
      return theme.bad;
    case 'killed':
    case 'blocked':
      return theme.warn;
    default:
      return undefined;
  }
}
