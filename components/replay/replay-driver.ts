/**
 * Plays a recorded run's events into the same view model the live screen
 * reads, at the recorded pace divided by the speed (see src/replay/pace.ts).
 *
 * - Playing: a timer applies the next event when its screen gap has passed;
 *   events closer than one frame go together, and the store is flushed once
 *   per batch, so a burst of a thousand events is one frame, not a thousand.
 * - Paused: `.` applies one event at a time.
 * - Seeking: the view model is a reducer over events and apply is cheap, so
 *   a seek back builds a fresh store and applies the log from the start to
 *   the target; a seek forward applies the events in between. Either way the
 *   screen is the one a straight play to that point would show.
 *
 * Pure TypeScript: no React, no Ink, nothing written anywhere.
 */
import type { GafferEvent } from '../../src/events/types.js';
import { DEFAULT_SPEED, nextSpeed, screenGapMs, speedText } from '../../src/replay/pace.js';
import { ViewModelStore } from '../view-model/store.js';
import type { Message, MissionInfo } from '../view-model/types.js';
import type { ReplayService, ReplayStatus } from './replay-service.js';

/** Events due within this much of each other are applied in one batch (one frame). */
const BATCH_WINDOW_MS = 25;
/** A batch never holds more: the keys stay answered during a burst. */
const MAX_BATCH = 2000;

export interface ReplayDriverOptions {
  speed?: number;
  /** Start paused (tests; a replay from the CLI plays at once). */
  paused?: boolean;
  /** Called once by leave(): the screen closes. */
  onLeave?: () => void;
  /** The view model's coalescing window (tests). */
  coalesceMs?: number;
}

export class ReplayDriver implements ReplayService {
  private current: ViewModelStore;
  private position = 0;
  private speed: number;
  private paused: boolean;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private status: ReplayStatus;
  private readonly listeners = new Set<() => void>();
  /** Where each round starts: the position just after its round:started event. */
  private readonly roundStarts: number[];
  private left = false;

  constructor(
    private readonly events: readonly GafferEvent[],
    private readonly info: MissionInfo,
    private readonly options: ReplayDriverOptions = {},
  ) {
    this.speed = options.speed ?? DEFAULT_SPEED;
    this.paused = options.paused ?? false;
    this.roundStarts = events.flatMap((event, index) => (event.type === 'round:started' ? [index + 1] : []));
    this.current = this.freshStore();
    this.status = this.buildStatus();
  }

  get store(): ViewModelStore {
    return this.current;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getStatus = (): ReplayStatus => this.status;

  readonly now = (): number => {
    const event = this.events[Math.max(0, this.position - 1)];
    return event ? Date.parse(event.at) : Date.now();
  };

  /** Begins playing (unless started paused). */
  start(): void {
    this.say(
      'replay: worker output is not in the event log (each attempt’s log file has it); space pauses, ? help',
      'info',
    );
    this.schedule();
  }

  togglePause(): void {
    if (this.position >= this.events.length) {
      // Space at the end plays it again from the start.
      this.seekTo(0);
      this.paused = false;
    } else {
      this.paused = !this.paused;
    }
    this.changed();
  }

  step(): void {
    this.paused = true;
    if (this.position >= this.events.length) {
      this.say('at the end of the log: [ goes back a round, space plays it again from the start', 'info');
    } else {
      this.applyNext();
      this.current.flush();
    }
    this.changed();
  }

  seekRound(direction: -1 | 1): void {
    const target =
      direction === -1
        ? ([...this.roundStarts].reverse().find((start) => start < this.position) ?? 0)
        : (this.roundStarts.find((start) => start > this.position) ?? this.events.length);
    this.seekTo(target);
    this.changed();
  }

  /** Puts the screen where a straight play of the first `target` events leaves it. */
  seekTo(target: number): void {
    const to = Math.max(0, Math.min(this.events.length, target));
    if (to < this.position) {
      this.current.dispose();
      this.position = 0;
      this.current = this.freshStore();
    }
    while (this.position < to) this.applyNext();
    this.current.flush();
  }

  changeSpeed(direction: -1 | 1): void {
    const speed = nextSpeed(this.speed, direction);
    if (speed === this.speed) {
      this.say(`${speedText(speed)} is the ${direction === 1 ? 'fastest' : 'slowest'} replay speed`, 'info');
    }
    this.speed = speed;
    this.changed();
  }

  say(text: string, kind: Message['kind']): void {
    this.current.showMessage(text, kind);
  }

  leave(): void {
    if (this.left) return;
    this.left = true;
    this.cancelTimer();
    this.options.onLeave?.();
  }

  dispose(): void {
    this.left = true;
    this.cancelTimer();
    this.current.dispose();
    this.listeners.clear();
  }

  private freshStore(): ViewModelStore {
    return new ViewModelStore(this.info, {
      now: this.now,
      ...(this.options.coalesceMs === undefined ? {} : { coalesceMs: this.options.coalesceMs }),
    });
  }

  private applyNext(): void {
    const event = this.events[this.position];
    if (!event) return;
    this.position += 1;
    this.current.apply(event);
  }

  /** Applies the events due within one frame from now, then waits for the next one's screen gap. */
  private playBatch(): void {
    this.timer = undefined;
    if (this.paused || this.left) return;
    let applied = 0;
    let waited = 0;
    do {
      this.applyNext();
      applied += 1;
      waited += this.nextGapMs();
    } while (this.position < this.events.length && waited < BATCH_WINDOW_MS && applied < MAX_BATCH);
    this.current.flush();
    this.changed();
  }

  /** Screen time until the next event is due, after the one applied last. */
  private nextGapMs(): number {
    const previous = this.events[this.position - 1];
    const next = this.events[this.position];
    return previous && next ? screenGapMs(previous.at, next.at, this.speed) : 0;
  }

  private changed(): void {
    this.status = this.buildStatus();
    for (const listener of [...this.listeners]) listener();
    this.schedule();
  }

  private schedule(): void {
    this.cancelTimer();
    if (this.paused || this.left || this.position >= this.events.length) return;
    this.timer = setTimeout(() => this.playBatch(), this.nextGapMs());
    this.timer.unref?.();
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private buildStatus(): ReplayStatus {
    const { header } = this.current.getSnapshot();
    return {
      runId: this.info.runId,
      position: this.position,
      total: this.events.length,
      round: header.round,
      maxRounds: header.maxRounds,
      speed: this.speed,
      paused: this.paused,
      atEnd: this.position >= this.events.length,
    };
  }
}
