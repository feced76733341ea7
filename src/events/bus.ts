import { EventEmitter } from 'node:events';
import type { EventName, GafferEvent, GafferEvents } from './types.js';

type Listener<K extends EventName> = (payload: GafferEvents[K], event: GafferEvent & { type: K }) => void;
type AnyListener = (event: GafferEvent) => void;

/**
 * A typed event bus whose emit never throws: a listener that throws is
 * reported to `onListenerError` and the controller goes on (a broken UI or
 * reporter must never take the supervisor down).
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private readonly anyListeners = new Set<AnyListener>();

  constructor(private readonly onListenerError: (error: unknown, event: GafferEvent) => void = () => {}) {
    this.emitter.setMaxListeners(0);
  }

  on<K extends EventName>(type: K, listener: Listener<K>): () => void {
    const wrapped = (event: GafferEvent & { type: K }): void =>
      listener(event.payload as GafferEvents[K], event);
    this.emitter.on(type, wrapped);
    return () => this.emitter.off(type, wrapped);
  }

  onAny(listener: AnyListener): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  emit<K extends EventName>(type: K, payload: GafferEvents[K]): GafferEvent {
    const event = makeEvent(type, payload);
    this.publish(event);
    return event;
  }

  /** Delivers an event made (and usually stored) beforehand. */
  publish(event: GafferEvent): void {
    for (const listener of this.anyListeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
    for (const listener of this.emitter.listeners(event.type) as AnyListener[]) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }
}

export function makeEvent<K extends EventName>(type: K, payload: GafferEvents[K]): GafferEvent {
  return { type, at: new Date().toISOString(), payload } as GafferEvent;
}
