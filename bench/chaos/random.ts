/**
 * A small seeded generator (mulberry32): the same seed gives the same kill
 * modes, steps and moments, so a failing run can be replayed with `--seed`.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** A new generator for a sub-task, so adding draws in one mission never shifts the next one's. */
  fork(): Random {
    return new Random(this.int(0, 0xffffffff));
  }
}

/** A seed for when none was given: printed, so the run can be replayed. */
export function freshSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}
