import type { CommandResult, MissionControl } from '../src/controller/control.js';

/**
 * Where the output pane looks: following (the newest lines, live) or stopped
 * at a place in one attempt's log. A place is a byte offset, the end of the
 * bottom line shown, so lines the agent prints meanwhile do not move the
 * view; the lines around it are read from the log on disk in bounded windows
 * (MissionControl.logWindow), never held here. The pane tells this which
 * unit it shows and how many rows it has; the keys move the place.
 */
export interface StoppedAt {
  unitId: string;
  attempt: number;
  /** The byte offset in the attempt's log where the bottom line shown ends. */
  anchor: number;
  /** Output lines the unit had printed when the view stopped: those after it are new. */
  linesAtStop: number;
}

export interface ShownTarget {
  unitId: string | null;
  /** Output lines seen from the unit's running attempt (0 when none runs). */
  lines: number;
}

export class OutputScroll {
  private stopped: StoppedAt | null = null;
  private shown: ShownTarget = { unitId: null, lines: 0 };
  private rows = 1;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly control: MissionControl) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Where the view stopped, if it stopped on the unit shown now (another unit's place does not carry over). */
  getSnapshot = (): StoppedAt | null =>
    this.stopped !== null && this.stopped.unitId === this.shown.unitId ? this.stopped : null;

  /** The pane, as it draws: the unit it shows and the rows a page has. */
  observe(target: ShownTarget, rows: number): void {
    this.shown = target;
    this.rows = Math.max(1, rows);
  }

  pageUp(): CommandResult | undefined {
    return this.move((at, unitId) => {
      const window = this.control.logWindow(unitId, { attempt: at.attempt, to: at.anchor });
      if (!window) return at.anchor;
      const back = window.offsets[Math.max(0, window.lines.length - this.rows)] ?? at.anchor;
      return Math.max(back, this.top(unitId, at.attempt));
    });
  }

  pageDown(): CommandResult | undefined {
    return this.move((at, unitId) => {
      const window = this.control.logWindow(unitId, { attempt: at.attempt, from: at.anchor });
      if (!window) return at.anchor;
      return window.offsets[Math.min(this.rows, window.lines.length)] ?? at.anchor;
    });
  }

  /** The oldest lines of the log. */
  home(): CommandResult | undefined {
    return this.move((at, unitId) => this.top(unitId, at.attempt));
  }

  /** The newest lines, followed live again. */
  end(): CommandResult | undefined {
    if (this.getSnapshot() === null) return undefined;
    this.set(null);
    return { ok: true, message: 'following the output again' };
  }

  toggleFollow(): CommandResult | undefined {
    if (this.getSnapshot() !== null) return this.end();
    const result = this.move((at) => at.anchor);
    return (
      result ?? {
        ok: true,
        message: 'stopped following: new lines wait below (PgUp/PgDn scroll, f or End follows again)',
      }
    );
  }

  /** Stops following if it did, then moves the place; a refusal when there is nothing to scroll. */
  private move(to: (at: StoppedAt, unitId: string) => number): CommandResult | undefined {
    const unitId = this.shown.unitId;
    if (unitId === null)
      return { ok: false, message: 'no output to scroll: select a worker or a unit with ↑/↓' };
    const at = this.getSnapshot() ?? this.stopAtEnd(unitId);
    if (at === undefined) return { ok: false, message: `${unitId} has no output yet: it has not started` };
    const anchor = to(at, unitId);
    if (anchor !== at.anchor || at !== this.stopped) this.set({ ...at, anchor });
    return undefined;
  }

  /** Where following stops: the end of the newest line of the unit's latest attempt. */
  private stopAtEnd(unitId: string): StoppedAt | undefined {
    const window = this.control.logWindow(unitId);
    if (!window) return undefined;
    return {
      unitId,
      attempt: window.attempt,
      anchor: window.offsets.at(-1) ?? 0,
      linesAtStop: this.shown.lines,
    };
  }

  /** The place whose page is the log's first lines. */
  private top(unitId: string, attempt: number): number {
    const window = this.control.logWindow(unitId, { attempt, from: 0 });
    return window?.offsets[Math.min(this.rows, window.lines.length)] ?? 0;
  }

  private set(stopped: StoppedAt | null): void {
    this.stopped = stopped;
    for (const listener of this.listeners) listener();
  }
}
