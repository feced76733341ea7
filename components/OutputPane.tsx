import { Box, Text } from 'ink';
import { memo } from 'react';
import { PaneTitle } from './PaneTitle.js';
import { ScreenLines } from './ScreenLine.js';
import { useUi } from './use-ui.js';
import { screenText } from './view-model/screen-text.js';

export interface OutputTarget {
  unitId: string | null;
  running: boolean;
  /** The newest log path known for the unit (its last attempt's). */
  logPath: string | null;
  /** Output lines seen: changes whenever new output arrives, so the pane follows it live. */
  lines: number;
}

/**
 * The selected worker's last lines, read from the controller's ring buffer
 * (MissionControl.output) when the pane renders, never copied into the view
 * model; and the path of the whole log on disk.
 */
export const OutputPane = memo(function OutputPane({
  target,
  height,
  width,
}: {
  target: OutputTarget;
  height: number;
  width: number;
}) {
  const { control } = useUi();
  if (height <= 0) return null;
  const live = target.unitId === null ? undefined : control.output(target.unitId);
  const logPath = live?.logPath ?? target.logPath;
  const rows = Math.max(0, height - 2);
  const lines = live ? live.lines.slice(-rows).map((line) => screenText(line, width * 2)) : [];
  let title = 'Output';
  if (target.unitId !== null) title += ` · ${target.unitId}${live ? ` #${live.attempt}` : ''}`;
  let note: string | undefined;
  if (target.unitId === null) note = 'select a worker to follow its output';
  else if (!live) note = `${target.unitId} is not running now`;
  return (
    <Box flexDirection="column" height={height} width={width}>
      <PaneTitle title={title} detail={live ? 'following live' : undefined} />
      <Text wrap="truncate-start" dimColor>
        {logPath ? `log: ${logPath}` : 'log: none yet'}
      </Text>
      {note ? <Text dimColor>{note}</Text> : null}
      <ScreenLines lines={lines} width={width} />
    </Box>
  );
});
