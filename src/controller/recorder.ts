import { makeEvent, type EventBus } from '../events/bus.js';
import type { EventName, GafferEvent, GafferEvents } from '../events/types.js';
import type { Store } from '../store/store.js';

export type EventSpec = { [K in EventName]: [K, GafferEvents[K]] }[EventName];

/**
 * The single path for state changes: the writes and the event log rows of one
 * change commit in one transaction, and only then are the events published.
 * Nothing is published for a change that did not commit.
 */
export class Recorder {
  constructor(
    readonly store: Store,
    readonly bus: EventBus,
  ) {}

  record(events: readonly EventSpec[], write?: () => void): void {
    const made: GafferEvent[] = events.map(([type, payload]) => makeEvent(type, payload));
    this.store.transaction(() => {
      write?.();
      for (const event of made) this.store.events.append(event);
    });
    for (const event of made) this.bus.publish(event);
  }

  /** Events that change no state (output lines) go to subscribers only. */
  publish<K extends EventName>(type: K, payload: GafferEvents[K]): void {
    this.bus.emit(type, payload);
  }
}
