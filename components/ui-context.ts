import { createContext } from 'react';
import type { MissionControl } from '../src/controller/control.js';
import type { ReplayService } from './replay/replay-service.js';
import type { Theme } from './theme.js';
import type { ViewModelStore } from './view-model/store.js';

/**
 * What every component may reach: the view model to read, the controller's
 * commands to send, the colours. Built once by the CLI (the controller
 * outlives React) and handed down by App's one provider.
 */
export interface UiServices {
  store: ViewModelStore;
  control: MissionControl;
  theme: Theme;
  /** A second Ctrl-C: the CLI ends the process at once. */
  onForceQuit: () => void;
  /** `gaffer replay`: the keys drive the playback; absent on a live run. */
  replay?: ReplayService;
}

export const UiContext = createContext<UiServices | null>(null);
