import { describe, expect, it } from 'vitest';
import { assertUnitTransition, canTransition, isSettled } from '../../src/machines/unit.js';
import { IllegalTransitionError } from '../../src/errors.js';
import type { UnitStatus } from '../../src/events/types.js';

const statuses = [
  'pending',
  'running',
  'merging',
  'done',
  'failed',
  'blocked',
  'killed',
  'removed',
] as const satisfies readonly UnitStatus[];

// Adding a status to UnitStatus without listing it above fails typecheck here.
type Missing = Exclude<UnitStatus, (typeof statuses)[number]>;
const noneMissing: [Missing] extends [never] ? true : false = true;

/** The documented transitions of src/machines/unit.ts, and nothing else. */
const legal: readonly (readonly [UnitStatus, UnitStatus])[] = [
  ['pending', 'running'],
  ['pending', 'blocked'],
  // Its budget is spent: no attempt may start.
  ['pending', 'failed'],
  ['running', 'merging'],
  ['running', 'pending'],
  ['running', 'failed'],
  ['running', 'killed'],
  ['merging', 'done'],
  ['merging', 'pending'],
  ['merging', 'failed'],
  ['failed', 'pending'],
  ['blocked', 'pending'],
  ['killed', 'pending'],
  // A live edit of the plan file dropped a unit that never merged.
  ['pending', 'removed'],
  ['failed', 'removed'],
  ['blocked', 'removed'],
  ['killed', 'removed'],
];

const isLegal = (from: UnitStatus, to: UnitStatus): boolean =>
  legal.some(([legalFrom, legalTo]) => legalFrom === from && legalTo === to);

const illegal = statuses.flatMap((from) =>
  statuses.filter((to) => !isLegal(from, to)).map((to) => [from, to] as const),
);

describe('unit state machine', () => {
  it('lists every status', () => {
    expect(noneMissing).toBe(true);
    expect(illegal.length + legal.length).toBe(statuses.length * statuses.length);
  });

  it.each(legal)('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertUnitTransition('u1', from, to)).not.toThrow();
  });

  it.each(illegal)('rejects %s -> %s with IllegalTransitionError', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    let caught: unknown;
    try {
      assertUnitTransition('u1', from, to);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(IllegalTransitionError);
    const error = caught as IllegalTransitionError;
    expect(error.code).toBe('illegal-transition');
    expect(error.message).toBe(`illegal unit transition for u1: ${from} -> ${to}`);
  });

  it('names the cases the lessons call out as illegal', () => {
    // done is final; a pending unit cannot skip its merge; a running unit is never blocked
    // (blocking is only for units that have not started, so it never costs an attempt).
    for (const to of statuses) expect(canTransition('done', to)).toBe(false);
    expect(canTransition('pending', 'done')).toBe(false);
    expect(canTransition('pending', 'merging')).toBe(false);
    expect(canTransition('running', 'blocked')).toBe(false);
    expect(canTransition('running', 'done')).toBe(false);
    expect(canTransition('blocked', 'running')).toBe(false);
    expect(canTransition('failed', 'running')).toBe(false);
    expect(canTransition('killed', 'running')).toBe(false);
  });

  it('gives every terminal state an operator path back to pending', () => {
    for (const status of ['failed', 'blocked', 'killed'] as const) {
      expect(canTransition(status, 'pending')).toBe(true);
    }
  });

  it.each([
    ['done', true],
    ['failed', true],
    ['blocked', true],
    ['killed', true],
    ['removed', true],
    ['pending', false],
    ['running', false],
    ['merging', false],
  ] as const satisfies readonly (readonly [UnitStatus, boolean])[])(
    'isSettled(%s) is %s',
    (status, settled) => {
      expect(isSettled(status)).toBe(settled);
    },
  );
});
