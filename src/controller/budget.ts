import type { Config } from '../config/schema.js';
import { addSpend, formatTokens, formatUsd, spentTokens } from '../report/cost.js';
import type { Spend } from '../store/attempts.js';
import type { Store } from '../store/store.js';
import type { Usage } from '../workers/agents/types.js';

export type BudgetLimits = Config['budget'];

/** A limit of `budget` that the spend has reached. */
export interface BudgetReached {
  scope: 'unit' | 'run';
  unitId?: string;
  unit: 'usd' | 'tokens';
  limit: number;
  spent: number;
}

/**
 * The run's spending against `budget`: what ended attempts used (from the
 * store) plus what running attempts have reported so far (live, from their
 * agents). Spending is counted per run; a resumed run goes on counting.
 * Tokens are input plus output; an attempt whose agent reports no cost counts
 * nothing against a USD limit.
 */
export class Budget {
  private readonly live = new Map<string, Usage>();

  constructor(
    private readonly limits: BudgetLimits,
    private readonly store: Store,
    private readonly runId: number,
  ) {}

  /** Whether any limit is set (nothing to watch otherwise). */
  get active(): boolean {
    const { perRunUsd, perRunTokens, perUnitUsd, perUnitTokens } = this.limits;
    return [perRunUsd, perRunTokens, perUnitUsd, perUnitTokens].some((limit) => limit !== undefined);
  }

  get onLimit(): BudgetLimits['onLimit'] {
    return this.limits.onLimit;
  }

  /** A running attempt's usage so far (replaces what it reported before). */
  setLive(unitId: string, usage: Usage): void {
    this.live.set(unitId, usage);
  }

  /** The attempt ended: its usage is in the store from now on. */
  clearLive(unitId: string): void {
    this.live.delete(unitId);
  }

  runSpend(): Spend {
    let spend = this.store.attempts.runSpend(this.runId);
    for (const usage of this.live.values()) spend = addSpend(spend, usage);
    return spend;
  }

  unitSpend(unitId: string): Spend {
    return addSpend(this.store.attempts.unitSpend(this.runId, unitId), this.live.get(unitId));
  }

  /** The run limit reached, if any: no attempt may start. */
  runReached(): BudgetReached | undefined {
    return reached('run', this.runSpend(), this.limits.perRunUsd, this.limits.perRunTokens);
  }

  /** The unit's own limit reached, if any: no attempt of it may start. */
  unitReached(unitId: string): BudgetReached | undefined {
    const found = reached('unit', this.unitSpend(unitId), this.limits.perUnitUsd, this.limits.perUnitTokens);
    return found && { ...found, unitId };
  }

  /**
   * What an attempt of `unitId` may still spend in US dollars (the smaller of
   * the unit's and the run's remaining), for tools with a budget flag;
   * undefined when no USD limit is set.
   */
  remainingUsd(unitId: string): number | undefined {
    const { perUnitUsd, perRunUsd } = this.limits;
    const left = [
      perUnitUsd === undefined ? undefined : perUnitUsd - (this.unitSpend(unitId).costUsd ?? 0),
      perRunUsd === undefined ? undefined : perRunUsd - (this.runSpend().costUsd ?? 0),
    ].filter((value) => value !== undefined);
    return left.length === 0 ? undefined : Math.max(0, Math.min(...left));
  }
}

function reached(
  scope: 'unit' | 'run',
  spend: Spend,
  usdLimit: number | undefined,
  tokenLimit: number | undefined,
): BudgetReached | undefined {
  if (usdLimit !== undefined && spend.costUsd !== null && spend.costUsd >= usdLimit)
    return { scope, unit: 'usd', limit: usdLimit, spent: spend.costUsd };
  const tokens = spentTokens(spend);
  if (tokenLimit !== undefined && tokens >= tokenLimit)
    return { scope, unit: 'tokens', limit: tokenLimit, spent: tokens };
  return undefined;
}

/** `the run's budget of $1.00 is spent ($1.02)`, `unit a's budget of 50k tokens is spent (52.1k)`. */
export function describeBudgetReached(reached: BudgetReached): string {
  const amount = (value: number): string =>
    reached.unit === 'usd' ? formatUsd(value) : `${formatTokens(value)} tokens`;
  const whose = reached.scope === 'run' ? "the run's" : `unit ${reached.unitId ?? '?'}'s`;
  const field = `budget.${reached.scope === 'run' ? 'perRun' : 'perUnit'}${reached.unit === 'usd' ? 'Usd' : 'Tokens'}`;
  return `${whose} budget of ${amount(reached.limit)} is spent (${amount(reached.spent)}; ${field})`;
}
