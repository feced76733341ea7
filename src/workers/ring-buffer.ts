/**
 * The recent output of one worker, bounded in lines and in bytes so a chatty
 * agent cannot grow the supervisor's memory. The whole output goes to the log
 * file; this only feeds the live view and failure summaries.
 *
 * Storage is a fixed circular array: push never shifts, so a worker printing
 * millions of lines costs O(1) per line.
 */
const TRUNCATION_MARKER = '…';
const MARKER_BYTES = Buffer.byteLength(TRUNCATION_MARKER);

export interface RingBufferOptions {
  maxLines: number;
  maxBytes: number;
  /** A longer line is cut to this many bytes (marker included). Default 4096. */
  maxLineBytes?: number;
}

export class RingBuffer {
  private readonly slots: (string | undefined)[];
  private readonly slotBytes: number[];
  private readonly maxBytes: number;
  private readonly maxLineBytes: number;
  /** Index of the oldest stored line. */
  private head = 0;
  private count = 0;
  private storedBytes = 0;
  private pushed = 0;

  constructor(opts: RingBufferOptions) {
    const maxLineBytes = opts.maxLineBytes ?? 4096;
    for (const [name, value] of Object.entries({
      maxLines: opts.maxLines,
      maxBytes: opts.maxBytes,
      maxLineBytes,
    })) {
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(`RingBuffer ${name} must be a positive integer, got ${value}`);
      }
    }
    this.slots = new Array<string | undefined>(opts.maxLines).fill(undefined);
    this.slotBytes = new Array<number>(opts.maxLines).fill(0);
    this.maxBytes = opts.maxBytes;
    // A line bigger than the whole budget could never be stored, so the byte
    // budget also caps a single line.
    this.maxLineBytes = Math.min(maxLineBytes, opts.maxBytes);
  }

  push(line: string): void {
    this.pushed++;
    let stored = line;
    let size = Buffer.byteLength(line);
    if (size > this.maxLineBytes) {
      stored = truncateUtf8(line, this.maxLineBytes);
      size = Buffer.byteLength(stored);
    }
    while (this.count > 0 && (this.count === this.slots.length || this.storedBytes + size > this.maxBytes)) {
      this.evictOldest();
    }
    const index = (this.head + this.count) % this.slots.length;
    this.slots[index] = stored;
    this.slotBytes[index] = size;
    this.count++;
    this.storedBytes += size;
  }

  /** Stored lines, oldest first. */
  lines(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.count; i++) {
      const line = this.slots[(this.head + i) % this.slots.length];
      if (line !== undefined) out.push(line);
    }
    return out;
  }

  last(): string | undefined {
    if (this.count === 0) return undefined;
    return this.slots[(this.head + this.count - 1) % this.slots.length];
  }

  /** Every line ever pushed, including evicted ones. */
  get totalLines(): number {
    return this.pushed;
  }

  /** UTF-8 bytes of the lines currently stored. */
  get bytes(): number {
    return this.storedBytes;
  }

  private evictOldest(): void {
    this.storedBytes -= this.slotBytes[this.head] ?? 0;
    this.slots[this.head] = undefined;
    this.slotBytes[this.head] = 0;
    this.head = (this.head + 1) % this.slots.length;
    this.count--;
  }
}

/** Cut to at most maxBytes UTF-8 bytes including the marker, never inside a character. */
function truncateUtf8(line: string, maxBytes: number): string {
  const encoded = Buffer.from(line);
  let end = Math.max(0, maxBytes - MARKER_BYTES);
  // Back up over continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && ((encoded[end] ?? 0) & 0xc0) === 0x80) end--;
  const kept = encoded.subarray(0, end).toString('utf8');
  return maxBytes >= MARKER_BYTES ? kept + TRUNCATION_MARKER : kept;
}
