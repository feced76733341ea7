/**
 * The invariants' counters and the RESULT line. Every counter but kills and
 * units_done must be 0; bad_exits (a start that ended with an exit code other
 * than 0 or 10, or with a stack trace) comes last, after the issue's fields.
 */
export const COUNTERS = [
  'lost',
  'merged_twice',
  'unverified_green',
  'strikes_from_crash',
  'leftovers',
  'manual_repairs',
  'bad_exits',
] as const;

export type Counter = (typeof COUNTERS)[number];

export interface Violation {
  counter: Counter;
  detail: string;
}

export function countViolations(violations: readonly Violation[]): Record<Counter, number> {
  const counts = Object.fromEntries(COUNTERS.map((counter) => [counter, 0])) as Record<Counter, number>;
  for (const violation of violations) counts[violation.counter] += 1;
  return counts;
}

export function resultLine(kills: number, unitsDone: number, violations: readonly Violation[]): string {
  const counts = countViolations(violations);
  return `RESULT kills=${kills} units_done=${unitsDone} ${COUNTERS.map((counter) => `${counter}=${counts[counter]}`).join(' ')}`;
}

/** The counters of a RESULT line, by name (for the test suite). */
export function parseResultLine(line: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [, name, value] of line.matchAll(/(\w+)=(\d+)/g)) {
    if (name !== undefined && value !== undefined) counts[name] = Number(value);
  }
  return counts;
}
