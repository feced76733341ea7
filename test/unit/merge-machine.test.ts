import { describe, expect, it } from 'vitest';
import { IllegalTransitionError } from '../../src/errors.js';
import type { MergeStatus } from '../../src/events/types.js';
import { assertMergeTransition } from '../../src/machines/merge.js';

const statuses = [
  'queued',
  'rebasing',
  'verifying',
  'merged',
  'rejected',
] as const satisfies readonly MergeStatus[];

type Missing = Exclude<MergeStatus, (typeof statuses)[number]>;
const noneMissing: [Missing] extends [never] ? true : false = true;

/** The documented transitions of src/machines/merge.ts. */
const legal: readonly (readonly [MergeStatus, MergeStatus])[] = [
  ['queued', 'rebasing'],
  ['queued', 'rejected'],
  ['rebasing', 'verifying'],
  ['rebasing', 'merged'],
  ['rebasing', 'rejected'],
  ['rebasing', 'queued'],
  ['verifying', 'merged'],
  ['verifying', 'rejected'],
  ['verifying', 'queued'],
  ['verifying', 'rebasing'],
  // Verified again (a bisection step): the same state with a new candidate, still through the machine.
  ['verifying', 'verifying'],
];

const illegal = statuses.flatMap((from) =>
  statuses
    .filter((to) => !legal.some(([legalFrom, legalTo]) => legalFrom === from && legalTo === to))
    .map((to) => [from, to] as const),
);

describe('merge request state machine', () => {
  it('lists every status', () => {
    expect(noneMissing).toBe(true);
    expect(illegal.length + legal.length).toBe(statuses.length * statuses.length);
  });

  it.each(legal)('allows %s -> %s', (from, to) => {
    expect(() => assertMergeTransition(7, from, to)).not.toThrow();
  });

  it.each(illegal)('rejects %s -> %s', (from, to) => {
    expect(() => assertMergeTransition(7, from, to)).toThrow(IllegalTransitionError);
    expect(() => assertMergeTransition(7, from, to)).toThrow(
      `illegal merge request transition for 7: ${from} -> ${to}`,
    );
  });

  it('never leaves merged or rejected, and never merges straight from the queue', () => {
    for (const to of statuses) {
      expect(() => assertMergeTransition(1, 'merged', to)).toThrow(IllegalTransitionError);
      expect(() => assertMergeTransition(1, 'rejected', to)).toThrow(IllegalTransitionError);
    }
    expect(() => assertMergeTransition(1, 'queued', 'merged')).toThrow(IllegalTransitionError);
    expect(() => assertMergeTransition(1, 'queued', 'verifying')).toThrow(IllegalTransitionError);
  });
});
