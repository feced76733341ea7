/**
 * Which prefixes of a stack to verify in the next pass, as prefix lengths
 * (1 is the bottom candidate alone on the target), ascending.
 *
 * With nothing known about the stack, up to `slots` prefixes are spread
 * evenly up to its top, never more than `maxGap` (the batch size) apart, so
 * landing the longest passing one never takes more candidates at once than a
 * batch. With a prefix of length `span` known to fail, the next pass looks
 * inside it: up to `slots` shorter prefixes, evenly spaced, narrow the first
 * failure down to a `span / (slots + 1)` of it; with one slot, a bisection.
 */
export function checkpoints(span: number, failsAtSpan: boolean, slots: number, maxGap: number): number[] {
  if (slots < 1 || span < 1) return [];
  if (!failsAtSpan) {
    const cover = Math.min(span, slots * maxGap);
    const count = Math.min(slots, cover);
    return Array.from({ length: count }, (_, index) => Math.ceil(((index + 1) * cover) / count));
  }
  const inside = span - 1;
  if (inside < 1) return [];
  const count = Math.min(slots, inside);
  const step = Math.min(span / (count + 1), maxGap);
  return Array.from({ length: count }, (_, index) => Math.max(1, Math.floor((index + 1) * step)));
}
