/**
 * How the screen is shared between the panes, as a pure function of the
 * terminal's size and what there is to show. The whole frame stays one line
 * shorter than the terminal: Ink redraws a frame that fills the screen by
 * clearing it, which flickers (and loses the scrollback in tmux).
 *
 * Priorities when space runs out: header and footer always; workers next
 * (they are what the keys act on); the units waiting for a retry; then the
 * band (rounds, merge queue, health) and the output, which shrink first and
 * collapse when there is no room.
 */
export const HEADER_LINES = 2;
export const FOOTER_LINES = 2;
const MIN_FRAME = 8;

export interface LayoutInput {
  columns: number;
  rows: number;
  workers: number;
  attention: number;
  rounds: number;
  merges: number;
  checks: number;
  unitsFocused: boolean;
  /** Lines the footer needs (a long message wraps); FOOTER_LINES without. */
  footer?: number;
}

export interface Layout {
  width: number;
  height: number;
  footer: number;
  /** Lines for each pane, heading included; 0 means collapsed. */
  workers: number;
  attention: number;
  band: number;
  output: number;
}

export function layoutFor(input: LayoutInput): Layout {
  const width = Math.max(20, input.columns);
  const height = Math.max(MIN_FRAME, input.rows - 1);
  const footer = input.footer ?? FOOTER_LINES;
  let free = height - HEADER_LINES - footer;

  const workerCap = Math.max(2, Math.floor(free * 0.35));
  const workers = Math.min(free, 1 + Math.min(Math.max(1, input.workers), workerCap));
  free -= workers;

  let attention = 0;
  if (free > 1 && (input.attention > 0 || input.unitsFocused)) {
    const cap = Math.max(1, Math.floor((height - HEADER_LINES - footer) * 0.2));
    attention = Math.min(free - 1, 1 + Math.min(Math.max(1, input.attention), cap));
  }
  free -= attention;

  // The band's rows: a heading, then the longest of rounds, merges and checks (+ the health summary).
  const bandWanted = 1 + Math.max(1, input.rounds, input.merges, input.checks + 1);
  let band: number;
  let output: number;
  if (free >= 7) {
    band = Math.min(bandWanted, Math.max(3, Math.floor(free * 0.45)));
    output = free - band;
  } else {
    band = Math.min(bandWanted, free);
    output = free - band >= 2 ? free - band : 0;
  }
  return { width, height, footer, workers, attention, band: Math.max(0, band), output: Math.max(0, output) };
}
