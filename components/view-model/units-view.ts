/**
 * The Units view's order and filter, as pure functions over the units' rows.
 */
import type { UnitStatus } from '../../src/events/types.js';
import type { UnitRow, UnitSort } from './types.js';

/** The orders `s` cycles through, in that order. */
export const UNIT_SORTS: readonly UnitSort[] = ['plan', 'state', 'attempts', 'cost', 'id'];

/** What each order is called on screen. */
export const SORT_WORDS: Record<UnitSort, string> = {
  plan: 'plan order',
  state: 'state (needs you first)',
  attempts: 'most attempts',
  cost: 'highest cost',
  id: 'id',
};

/** The state order: what wants the operator first, settled last. */
const STATE_RANK: Record<UnitStatus, number> = {
  failed: 0,
  blocked: 1,
  killed: 2,
  running: 3,
  merging: 4,
  pending: 5,
  done: 6,
  removed: 7,
};

export function sortUnits(rows: readonly UnitRow[], sort: UnitSort): UnitRow[] {
  const byPlan = (a: UnitRow, b: UnitRow): number => a.order - b.order;
  const sorted = [...rows];
  switch (sort) {
    case 'plan':
      return sorted.sort(byPlan);
    case 'state':
      return sorted.sort((a, b) => STATE_RANK[a.status] - STATE_RANK[b.status] || byPlan(a, b));
    case 'attempts':
      return sorted.sort((a, b) => b.attempts - a.attempts || byPlan(a, b));
    case 'cost':
      return sorted.sort((a, b) => b.costUsd - a.costUsd || byPlan(a, b));
    case 'id':
      return sorted.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    default: {
      const unreachable: never = sort;
      return unreachable;
    }
  }
}

/** The filter matches the id, title, state or reason; `needle` is lower case. */
export function unitMatches(unit: UnitRow, needle: string): boolean {
  return [unit.id, unit.title, unit.status, unit.reason].some((text) => text.toLowerCase().includes(needle));
}

/**
 * What a unit waits on, in words, or '' when nothing holds it: its
 * dependencies not yet done, an overlap with a running unit.
 */
export function waitsOn(unit: UnitRow, statusOf: (id: string) => UnitStatus | undefined): string {
  if (unit.status !== 'pending') return '';
  if (unit.waitsFor !== null) return `${unit.waitsFor} (overlap)`;
  const open = unit.dependsOn.filter((id) => statusOf(id) !== 'done');
  return open.join(', ');
}
