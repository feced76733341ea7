import { expect, it } from 'vitest';
import { checkpoints } from '../../src/merge/checkpoints.js';

it('with nothing known, prefixes are spread evenly up to the top, one per free verifier', () => {
  expect(checkpoints(16, false, 4, 16)).toEqual([4, 8, 12, 16]);
  expect(checkpoints(16, false, 3, 16)).toEqual([6, 11, 16]);
  // One verifier: the whole batch first, as a serial queue does.
  expect(checkpoints(16, false, 1, 16)).toEqual([16]);
  expect(checkpoints(2, false, 4, 16)).toEqual([1, 2]);
});

it('prefixes are never more than a batch apart: batch size 1 verifies every candidate on its own', () => {
  expect(checkpoints(8, false, 4, 1)).toEqual([1, 2, 3, 4]);
  expect(checkpoints(16, false, 2, 4)).toEqual([4, 8]);
});

it('inside a failing prefix, shorter ones narrow the first failure down; with one verifier, a bisection', () => {
  expect(checkpoints(16, true, 1, 16)).toEqual([8]);
  expect(checkpoints(8, true, 1, 16)).toEqual([4]);
  expect(checkpoints(5, true, 4, 16)).toEqual([1, 2, 3, 4]);
  expect(checkpoints(16, true, 3, 16)).toEqual([4, 8, 12]);
  expect(checkpoints(40, true, 2, 4)).toEqual([4, 8]);
});

it('a failing prefix of one candidate, no free verifier or an empty stack leave nothing to verify', () => {
  expect(checkpoints(1, true, 4, 16)).toEqual([]);
  expect(checkpoints(16, false, 0, 16)).toEqual([]);
  expect(checkpoints(0, false, 4, 16)).toEqual([]);
});

it('every prefix chosen is distinct, ascending and inside the stack', () => {
  for (let span = 1; span <= 40; span += 1)
    for (let slots = 1; slots <= 6; slots += 1)
      for (const gap of [1, 3, 16])
        for (const fails of [false, true]) {
          const chosen = checkpoints(span, fails, slots, gap);
          expect(chosen.length).toBeLessThanOrEqual(slots);
          for (const [index, length] of chosen.entries()) {
            expect(length).toBeGreaterThanOrEqual(1);
            expect(length).toBeLessThanOrEqual(fails ? span - 1 : span);
            const below = index > 0 ? (chosen[index - 1] as number) : 0;
            expect(length).toBeGreaterThan(below);
            if (!fails) expect(length - below).toBeLessThanOrEqual(gap);
          }
        }
});
