import { useMemo, useSyncExternalStore } from 'react';
import { App } from '../App.js';
import type { MissionControl } from '../../src/controller/control.js';
import type { Theme } from '../theme.js';
import { ReplayControl } from '../../src/replay/replay-control.js';
import type { ReplayService } from './replay-service.js';

/**
 * The live screen (App) on a replay: its view model is the replay's, which a
 * seek back replaces, so this follows the replay and hands App the store of
 * the moment; its controls answer that a replay is read-only.
 */
export function ReplayApp({
  replay,
  detail,
  theme,
}: {
  replay: ReplayService;
  detail?: MissionControl['detail'];
  theme?: Theme;
}) {
  // Re-rendered on every replay change; App re-renders only when the store itself is a new one.
  useSyncExternalStore(replay.subscribe, replay.getStatus, replay.getStatus);
  const control = useMemo(() => new ReplayControl(replay, detail), [replay, detail]);
  return <App store={replay.store} control={control} theme={theme} replay={replay} />;
}
