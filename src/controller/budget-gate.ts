import type { Usage } from '../workers/agents/types.js';
import { describeBudgetReached, type Budget, type BudgetReached } from './budget.js';
import type { EventSpec, Recorder } from './recorder.js';
import type { UnitLedger } from './unit-ledger.js';

/** What the gate needs of a running attempt: its unit, and the means to end it. */
export interface BudgetedAttempt {
  unitId: string;
  controller: AbortController;
  /** Set when a budget limit ended this attempt (`onLimit: 'stop'`). */
  budgetStop?: BudgetReached;
}

/**
 * The scheduler's budget policy: no attempt starts once the run's budget is
 * spent (said once), a unit whose own budget is spent fails instead of
 * starting another, and with `onLimit: 'stop'` running attempts of a spent
 * scope are ended as usage comes in.
 */
export class BudgetGate {
  private runAnnounced = false;

  constructor(
    private readonly budget: Budget,
    private readonly recorder: Recorder,
    private readonly ledger: UnitLedger,
    private readonly runId: number,
  ) {}

  /** The run's budget is spent: no attempt starts. `running` is how many attempts run now. */
  runSpent(running: number): boolean {
    const reached = this.budget.runReached();
    if (reached) this.announceRun(reached, running);
    return reached !== undefined;
  }

  /** The unit's budget is spent: it fails instead of starting another attempt. */
  unitSpent(unitId: string): boolean {
    const reached = this.budget.unitReached(unitId);
    if (!reached) return false;
    const field = `budget.${reached.unit === 'usd' ? 'perUnitUsd' : 'perUnitTokens'}`;
    const message = `${describeBudgetReached(reached)}: ${unitId} gets no more attempts and fails; raise ${field} and retry it to go on`;
    this.ledger.budgetSpent(unitId, message, { before: [this.event(reached, message)] });
    return true;
  }

  /**
   * A running attempt reported more usage: counted against the budgets, and
   * with `onLimit: 'stop'` the attempts of a spent scope end (all of them for
   * the run's budget, this one for its unit's).
   */
  sawUsage(attempt: BudgetedAttempt, usage: Usage, running: Iterable<BudgetedAttempt>): void {
    const { budget } = this;
    budget.setLive(attempt.unitId, usage);
    if (!budget.active) return;
    const run = budget.runReached();
    const all = [...running];
    if (run) {
      this.announceRun(run, all.length);
      if (budget.onLimit === 'stop') for (const each of all) stop(each, run);
      return;
    }
    const unit = budget.unitReached(attempt.unitId);
    if (unit && budget.onLimit === 'stop') stop(attempt, unit);
  }

  /** The attempt of `unitId` ended: from now on its usage counts from its row. */
  ended(unitId: string): void {
    this.budget.clearLive(unitId);
  }

  /** The attempt's share of the USD budgets (Claude Code's --max-budget-usd). */
  remainingUsd(unitId: string): number | undefined {
    return this.budget.remainingUsd(unitId);
  }

  private announceRun(reached: BudgetReached, running: number): void {
    if (this.runAnnounced) return;
    this.runAnnounced = true;
    const field = `budget.${reached.unit === 'usd' ? 'perRunUsd' : 'perRunTokens'}`;
    const then =
      running === 0
        ? ''
        : this.budget.onLimit === 'stop'
          ? '; running attempts are ended'
          : '; running attempts finish';
    const message = `${describeBudgetReached(reached)}: no new attempt starts${then}; raise ${field} and run \`gaffer run\` again to resume`;
    this.recorder.record([this.event(reached, message)]);
  }

  private event(reached: BudgetReached, message: string): EventSpec {
    return ['budget:reached', { runId: this.runId, ...reached, action: this.budget.onLimit, message }];
  }
}

function stop(attempt: BudgetedAttempt, reached: BudgetReached): void {
  if (attempt.budgetStop || attempt.controller.signal.aborted) return;
  attempt.budgetStop = reached;
  attempt.controller.abort(new Error(`budget reached: ${describeBudgetReached(reached)}`));
}
