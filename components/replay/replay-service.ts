import type { ViewModelStore } from '../view-model/store.js';
import type { Message } from '../view-model/types.js';

/** Where a replay is: what the footer's REPLAY line shows. */
export interface ReplayStatus {
  runId: number;
  /** Events applied so far (0: none yet). */
  position: number;
  total: number;
  /** The round of the screen at `position`, and the run's rounds. */
  round: number;
  maxRounds: number;
  speed: number;
  paused: boolean;
  /** Every event is on the screen: nothing plays until a seek back or space (which starts over). */
  atEnd: boolean;
}

/**
 * The replay's controls, as the screen reaches them (UiServices.replay):
 * present only in `gaffer replay`, where the keys drive the playback
 * instead of a mission. Built outside React, like the controller.
 */
export interface ReplayService {
  /** For useSyncExternalStore: arrow functions, stable identities. */
  readonly subscribe: (listener: () => void) => () => void;
  readonly getStatus: () => ReplayStatus;
  /** The replay's clock: the recorded time of the newest event on the screen (epoch ms). */
  readonly now: () => number;
  /** The view model of the screen now: a seek back replaces it. */
  readonly store: ViewModelStore;
  togglePause(): void;
  /** Pauses and applies one event. */
  step(): void;
  /** To the start of the previous (-1) or next (1) round. */
  seekRound(direction: -1 | 1): void;
  changeSpeed(direction: -1 | 1): void;
  /** A word on the message line of the screen now. */
  say(text: string, kind: Message['kind']): void;
  /** Ends the replay at once (q, Ctrl-C): nothing runs, nothing to confirm. */
  leave(): void;
}
