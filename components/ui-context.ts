import { createContext } from 'react';
import type { CommandResult, MissionControl } from '../src/controller/control.js';
import type { OutputScroll } from './output-scroll.js';
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
  /** Where the output pane looks (following, or stopped at a place in a log): its keys move it. */
  scroll: OutputScroll;
  /**
   * Hands the terminal to the operator's pager on `file` and takes it back
   * when the pager exits; the answer says what happened. The CLI provides it
   * (render.tsx); tests give a fake.
   */
  openPager: (file: string) => Promise<CommandResult>;
}

/** Where no terminal can be handed over (a test, a screen without a pager service). */
export const NO_PAGER = (file: string): Promise<CommandResult> =>
  Promise.resolve({ ok: false, message: `no pager can open here; the log is ${file}` });

export const UiContext = createContext<UiServices | null>(null);
