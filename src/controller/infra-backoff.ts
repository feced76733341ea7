/**
 * When a unit may run again after an infrastructure failure (a rate limit,
 * an overload, a stall): no strike, but a wait that doubles with each such
 * failure in a row, up to `MAX_BACKOFF_MS`. After `RETRIES_PER_ROUND` in a
 * row the unit waits for the next round instead, so a tool that is down for
 * good still lets the run end.
 */
export const RETRIES_PER_ROUND = 3;
export const MAX_BACKOFF_MS = 600_000;

export type Backoff = { nextRound: true } | { nextRound: false; delayMs: number };

export class InfraBackoff {
  /** When each waiting unit may start again (performance.now()). */
  private readonly notBefore = new Map<string, number>();
  /** Infrastructure failures in a row, per unit. */
  private readonly streak = new Map<string, number>();

  constructor(private readonly baseMs: number) {}

  /** One more infrastructure failure of `unitId`: how long it waits. */
  failed(unitId: string): Backoff {
    const streak = (this.streak.get(unitId) ?? 0) + 1;
    if (streak >= RETRIES_PER_ROUND) {
      this.streak.delete(unitId);
      return { nextRound: true };
    }
    this.streak.set(unitId, streak);
    const delayMs = Math.min(MAX_BACKOFF_MS, this.baseMs * 2 ** (streak - 1));
    this.notBefore.set(unitId, performance.now() + delayMs);
    return { nextRound: false, delayMs };
  }

  /** An attempt of `unitId` ended some other way: the streak starts over. */
  cleared(unitId: string): void {
    this.streak.delete(unitId);
  }

  /** Whether `unitId` is still waiting out its backoff. */
  waiting(unitId: string): boolean {
    return (this.notBefore.get(unitId) ?? 0) > performance.now();
  }
}
