import type { EventBus } from '../events/bus.js';
import type { GafferEvent } from '../events/types.js';
import { toTerminalText } from '../util/terminal-text.js';

export interface NotifyOptions {
  /** BEL: the terminal's bell (or its visual bell, or a tmux window flag). */
  bell: boolean;
  /** OSC 9: a desktop notification in terminals that show one (iTerm2, kitty, WezTerm, Windows Terminal). */
  desktop: boolean;
  /** The terminal; the caller passes one only when it is a terminal, never a log or --json output. */
  write: (text: string) => void;
}

const MAX_MESSAGE = 180;

/**
 * Tells the operator, away from the screen, when the run ends and when a
 * unit needs them (it failed for good, or the run stopped on a login or on
 * tampering: both say so in run:ended).
 */
export function attachNotifier(bus: EventBus, options: NotifyOptions): () => void {
  if (!options.bell && !options.desktop) return () => undefined;
  return bus.onAny((event) => {
    const message = notification(event);
    if (message === undefined) return;
    try {
      options.write(notificationText(message, options));
    } catch {
      // A gone terminal is no reason to stop the run.
    }
  });
}

/** BEL and/or `ESC ] 9 ; message BEL`, the message stripped of anything that could end the sequence early. */
export function notificationText(message: string, options: Pick<NotifyOptions, 'bell' | 'desktop'>): string {
  const clean = toTerminalText(message)
    .replace(/[;\u0007\u001b]/g, ' ')
    .slice(0, MAX_MESSAGE);
  return `${options.desktop ? `\u001b]9;${clean}\u0007` : ''}${options.bell ? '\u0007' : ''}`;
}

function notification(event: GafferEvent): string | undefined {
  switch (event.type) {
    case 'run:ended':
      return `gaffer: run #${event.payload.runId} ${event.payload.status}: ${event.payload.reason}`;
    case 'unit:state':
      return event.payload.to === 'failed'
        ? `gaffer: unit ${event.payload.unitId} failed and needs you: ${event.payload.reason}`
        : undefined;
    default:
      return undefined;
  }
}
