import fs from 'node:fs';

/**
 * A bounded window of lines read from an attempt's log file: the screen
 * scrolls through a log of any size holding at most one window (64 KiB) per
 * read, never the whole file. Positions are byte offsets, so a place in the
 * log stays put while the agent appends to it.
 */

/** How much of a log one read takes: a few screens of ordinary output. */
export const LOG_WINDOW_BYTES = 64 * 1024;

export interface LogWindow {
  /** Complete lines, oldest first (a partial first line is dropped unless it is all there is). */
  lines: string[];
  /** Byte offset where each line starts, plus one past the last: `offsets[i + 1]` ends line i. */
  offsets: number[];
  /** The file's size when it was read. */
  size: number;
}

export interface LogWindowRequest {
  /** Lines ending at this byte offset (the default: the end of the file). */
  to?: number;
  /** Lines starting at this byte offset, read forward (wins over `to`). */
  from?: number;
  maxBytes?: number;
}

/** The window of `file` the request names; an empty window when the file does not exist (yet). */
export function readLogWindow(file: string, request: LogWindowRequest = {}): LogWindow {
  const maxBytes = Math.max(1, request.maxBytes ?? LOG_WINDOW_BYTES);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], offsets: [0], size: 0 };
    throw error;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const forward = request.from !== undefined;
    const start = forward
      ? clamp(request.from ?? 0, size)
      : Math.max(0, clamp(request.to ?? size, size) - maxBytes);
    const end = forward ? Math.min(size, start + maxBytes) : clamp(request.to ?? size, size);
    const bytes = Buffer.alloc(end - start);
    const read = bytes.length === 0 ? 0 : fs.readSync(fd, bytes, 0, bytes.length, start);
    return { ...splitLines(bytes.subarray(0, read), start, { forward, atEnd: start + read >= size }), size };
  } finally {
    fs.closeSync(fd);
  }
}

function clamp(offset: number, size: number): number {
  return Math.min(Math.max(0, Math.floor(offset)), size);
}

/**
 * The whole lines in `bytes` (which start at `base` in the file). Read
 * backward, the first line may have begun before the window: it is dropped.
 * Read forward, the last line may go on after it: dropped too, unless the
 * window reaches the end of the file (a line being written shows as it is).
 * A window that is one line too long to hold keeps it, cut, so scrolling
 * always moves.
 */
function splitLines(
  bytes: Buffer,
  base: number,
  { forward, atEnd }: { forward: boolean; atEnd: boolean },
): Omit<LogWindow, 'size'> {
  let first = 0;
  let last = bytes.length;
  if (!forward && base > 0) {
    const newline = bytes.indexOf(0x0a);
    if (newline !== -1 && newline + 1 < bytes.length) first = newline + 1;
  }
  if (forward && !atEnd) {
    const newline = bytes.lastIndexOf(0x0a);
    if (newline !== -1) last = newline + 1;
  }
  const lines: string[] = [];
  const offsets: number[] = [];
  let at = first;
  while (at < last) {
    const newline = bytes.indexOf(0x0a, at);
    const stop = newline === -1 || newline >= last ? last : newline + 1;
    offsets.push(base + at);
    lines.push(
      bytes
        .subarray(at, stop)
        .toString('utf8')
        .replace(/\r?\n$/, ''),
    );
    at = stop;
  }
  offsets.push(base + last);
  return { lines, offsets };
}

/**
 * The last few windows read, so a screen redrawn many times a second reads
 * the disk only when the log grew or the view moved. A window is reused
 * while the file keeps its size (logs only grow).
 */
export class LogWindowCache {
  private readonly entries = new Map<string, LogWindow>();

  constructor(private readonly capacity = 4) {}

  read(file: string, request: LogWindowRequest = {}): LogWindow {
    const key = `${file}\u0000${request.from ?? ''}\u0000${request.to ?? ''}\u0000${request.maxBytes ?? ''}`;
    const cached = this.entries.get(key);
    if (cached !== undefined && cached.size === sizeOf(file)) return cached;
    const window = readLogWindow(file, request);
    this.entries.delete(key);
    this.entries.set(key, window);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
    return window;
  }
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
