import { Text } from 'ink';
import { useSyncExternalStore } from 'react';
import { speedText } from '../../src/replay/pace.js';
import { useUi } from '../use-ui.js';
import type { ReplayService, ReplayStatus } from './replay-service.js';

/** The replay's keys, after its status on the footer's last line. */
export const REPLAY_KEYS = 'space play/pause · . step · [ ] round · + - speed · q leave';

/** `REPLAY run #4 · round 3/7 · event 412/1,203 · 10× · paused`. */
export function replayStatusText(status: ReplayStatus): string {
  const count = (value: number): string => value.toLocaleString('en-US');
  const state = status.atEnd ? 'end' : status.paused ? 'paused' : 'playing';
  return `REPLAY run #${status.runId} · round ${status.round}/${status.maxRounds} · event ${count(status.position)}/${count(status.total)} · ${speedText(status.speed)} · ${state}`;
}

/** The footer's line in `gaffer replay`: where the playback is, then its keys (cut first when narrow). */
export function ReplayLine({ replay }: { replay: ReplayService }) {
  const { theme } = useUi();
  const status = useSyncExternalStore(replay.subscribe, replay.getStatus, replay.getStatus);
  return (
    <Text wrap="truncate-end">
      <Text bold color={theme.accent}>
        {replayStatusText(status)}
      </Text>
      <Text dimColor>{` │ ${REPLAY_KEYS}`}</Text>
    </Text>
  );
}
