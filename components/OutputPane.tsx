import { Box, Text } from 'ink';
import { memo, useSyncExternalStore } from 'react';
import type { MissionControl } from '../src/controller/control.js';
import type { StoppedAt } from './output-scroll.js';
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

/** What the pane shows: lines, and words for its title. */
interface Shown {
  lines: readonly string[];
  attempt: number | null;
  /** `ended: failed` once the attempt ended. */
  state: string;
  detail: string | undefined;
  logPath: string | null;
  note: string | undefined;
}

/**
 * The selected unit's latest attempt's output. Following, a running
 * attempt's last lines come from the controller's ring buffer
 * (MissionControl.output) and an ended one's from the end of its log on disk
 * (MissionControl.logWindow), so a finished or failed unit, or one from
 * before a resume, still shows what it printed. Stopped (PgUp, f), the view
 * stays at its place in the log while new lines arrive, and reads the log
 * around that place in bounded windows. Nothing is copied into the view model.
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
  const { control, scroll } = useUi();
  const rows = Math.max(0, height - 2);
  scroll.observe({ unitId: target.unitId, lines: target.running ? target.lines : 0 }, rows);
  const stopped = useSyncExternalStore(scroll.subscribe, scroll.getSnapshot);
  if (height <= 0) return null;
  const shown = whatToShow(control, target, stopped, rows);
  let title = 'Output';
  if (target.unitId !== null)
    title += ` · ${target.unitId}${shown.attempt === null ? '' : ` #${shown.attempt}`}${shown.state}`;
  const lines = shown.lines.map((line) => screenText(line, width * 2));
  return (
    <Box flexDirection="column" height={height} width={width}>
      <PaneTitle title={title} detail={shown.detail} />
      <Text wrap="truncate-start" dimColor>
        {shown.logPath ? `log: ${shown.logPath}` : 'log: none yet'}
      </Text>
      {shown.note ? <Text dimColor>{shown.note}</Text> : null}
      <ScreenLines lines={lines} width={width} />
    </Box>
  );
});

function whatToShow(
  control: MissionControl,
  target: OutputTarget,
  stopped: StoppedAt | null,
  rows: number,
): Shown {
  const none = { lines: [], attempt: null, state: '', detail: undefined, logPath: target.logPath };
  if (target.unitId === null) return { ...none, note: 'select a worker to follow its output' };
  if (stopped !== null) {
    const view = control.logWindow(target.unitId, { attempt: stopped.attempt, to: stopped.anchor });
    const fresh = (target.running ? target.lines : 0) - stopped.linesAtStop;
    const where = view && view.size > 0 ? `at ${Math.floor((stopped.anchor / view.size) * 100)}%` : '';
    return {
      lines: view?.lines.slice(-rows) ?? [],
      attempt: stopped.attempt,
      state: view && view.outcome !== 'running' ? ` ended: ${view.outcome}` : '',
      detail: ['stopped', where, fresh > 0 ? `${fresh} new line${fresh === 1 ? '' : 's'}` : '', 'End follows']
        .filter(Boolean)
        .join(' · '),
      logPath: view?.logPath ?? target.logPath,
      note: undefined,
    };
  }
  const live = control.output(target.unitId);
  if (live) {
    return {
      lines: live.lines.slice(-rows),
      attempt: live.attempt,
      state: '',
      detail: 'following live',
      logPath: live.logPath,
      note: undefined,
    };
  }
  const view = control.logWindow(target.unitId);
  if (!view) return { ...none, note: `${target.unitId} has no output yet: no attempt has started` };
  const ended = view.outcome !== 'running';
  return {
    lines: view.lines.slice(-rows),
    attempt: view.attempt,
    state: ended ? ` ended: ${view.outcome}` : '',
    detail: ended ? 'the end of its log' : 'following',
    logPath: view.logPath,
    note: view.size === 0 ? 'its log is empty' : undefined,
  };
}
