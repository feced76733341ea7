import { makeEvent, type EventBus } from '../events/bus.js';
import type { EventName, GafferEvent, GafferEvents } from '../events/types.js';
import { StateError } from '../errors.js';
import { stateFailure } from '../store/database.js';
import type { Store } from '../store/store.js';

export type EventSpec = { [K in EventName]: [K, GafferEvents[K]] }[EventName];

/**
 * The single path for state changes: the writes and the event log rows of one
 * change commit in one transaction, and only then are the events published.
 * Nothing is published for a change that did not commit.
 *
 * A store that can no longer be trusted (its file deleted or replaced, the
 * disk full, the folder read-only) ends every later change with the same
 * StateError: the run stops where it is, never claims to have finished, and
 * the next start resumes from what was written.
 */
export class Recorder {
  private failed: StateError | undefined;
  private readonly failureListeners: ((error: StateError) => void)[] = [];

  constructor(
    readonly store: Store,
    readonly bus: EventBus,
  ) {}

  /** The state failure that stopped recording, if any. */
  get failure(): StateError | undefined {
    return this.failed;
  }

  /** Called once, when the store fails: the mission stops at once. */
  onFailure(listener: (error: StateError) => void): void {
    this.failureListeners.push(listener);
  }

  record(events: readonly EventSpec[], write?: () => void): void {
    this.recordMade(() => {
      write?.();
      return events;
    });
  }

  /** Like record, for events that name what the write made (a new row's id): both in one transaction. */
  recordMade(write: () => readonly EventSpec[]): void {
    if (this.failed) throw this.failed;
    let made: GafferEvent[] = [];
    try {
      this.store.assertIntact();
      this.store.transaction(() => {
        made = write().map(([type, payload]) => makeEvent(type, payload));
        for (const event of made) this.store.events.append(event);
      });
    } catch (error) {
      const failure = stateFailure(error, this.store.file);
      if (failure) this.fail(failure);
      throw failure ?? error;
    }
    for (const event of made) this.bus.publish(event);
  }

  /** Checks the store is still the file gaffer opened (a watcher calls it between changes). */
  check(): void {
    if (this.failed) return;
    try {
      this.store.assertIntact();
    } catch (error) {
      const failure = stateFailure(error, this.store.file);
      if (failure) this.fail(failure);
    }
  }

  /** Events that change no state (output lines) go to subscribers only. */
  publish<K extends EventName>(type: K, payload: GafferEvents[K]): void {
    this.bus.emit(type, payload);
  }

  private fail(failure: StateError): void {
    if (this.failed) return;
    this.failed = failure;
    for (const listener of this.failureListeners) {
      try {
        listener(failure);
      } catch {
        // A listener's own failure must not hide the state failure.
      }
    }
  }
}
