import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../src/workers/ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps lines oldest first and reports the last one', () => {
    const ring = new RingBuffer({ maxLines: 5, maxBytes: 1000 });
    expect(ring.last()).toBeUndefined();
    for (const line of ['a', 'b', 'c']) ring.push(line);
    expect(ring.lines()).toEqual(['a', 'b', 'c']);
    expect(ring.last()).toBe('c');
    expect(ring.totalLines).toBe(3);
    expect(ring.bytes).toBe(3);
  });

  it('evicts the oldest lines beyond the line cap, across many wrap-arounds', () => {
    const ring = new RingBuffer({ maxLines: 3, maxBytes: 1_000_000 });
    for (let i = 1; i <= 10_000; i++) ring.push(`line ${i}`);
    expect(ring.lines()).toEqual(['line 9998', 'line 9999', 'line 10000']);
    expect(ring.last()).toBe('line 10000');
    expect(ring.totalLines).toBe(10_000);
    expect(ring.bytes).toBe(Buffer.byteLength('line 9998line 9999line 10000'));
  });

  it('evicts the oldest lines beyond the byte cap', () => {
    const ring = new RingBuffer({ maxLines: 100, maxBytes: 10 });
    ring.push('aaaa');
    ring.push('bbbb');
    expect(ring.lines()).toEqual(['aaaa', 'bbbb']);
    ring.push('cccc');
    expect(ring.lines()).toEqual(['bbbb', 'cccc']);
    expect(ring.bytes).toBe(8);
    ring.push('dddddddddd');
    expect(ring.lines()).toEqual(['dddddddddd']);
    expect(ring.bytes).toBe(10);
  });

  it('counts bytes, not characters', () => {
    const ring = new RingBuffer({ maxLines: 100, maxBytes: 8 });
    ring.push('é'.repeat(3)); // 6 bytes
    ring.push('ü'); // 2 bytes: exactly at the cap
    expect(ring.lines()).toEqual(['ééé', 'ü']);
    ring.push('x');
    expect(ring.lines()).toEqual(['ü', 'x']);
    expect(ring.bytes).toBe(3);
  });

  it('truncates a single over-long line with a marker, without splitting a character', () => {
    const ring = new RingBuffer({ maxLines: 10, maxBytes: 100_000, maxLineBytes: 16 });
    ring.push('x'.repeat(1000));
    const stored = ring.last() ?? '';
    expect(stored.endsWith('…')).toBe(true);
    expect(Buffer.byteLength(stored)).toBeLessThanOrEqual(16);
    expect(stored.startsWith('xxxxxxxxxx')).toBe(true);

    ring.push('€'.repeat(100)); // 3 bytes each
    const euros = ring.last() ?? '';
    expect(Buffer.byteLength(euros)).toBeLessThanOrEqual(16);
    expect(euros).toBe('€€€€…');
    expect(euros).not.toContain('\uFFFD');
  });

  it('uses a 4096-byte line limit by default and never exceeds the byte cap', () => {
    const ring = new RingBuffer({ maxLines: 10, maxBytes: 100_000 });
    ring.push('y'.repeat(10_000));
    expect(Buffer.byteLength(ring.last() ?? '')).toBeLessThanOrEqual(4096);

    const small = new RingBuffer({ maxLines: 10, maxBytes: 50 });
    small.push('z'.repeat(10_000));
    expect(small.bytes).toBeLessThanOrEqual(50);
    expect(small.lines()).toHaveLength(1);
  });

  it('rejects nonsensical limits', () => {
    expect(() => new RingBuffer({ maxLines: 0, maxBytes: 10 })).toThrow(/maxLines/);
    expect(() => new RingBuffer({ maxLines: 1, maxBytes: -1 })).toThrow(/maxBytes/);
  });
});
