import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Budget, describeBudgetReached, type BudgetLimits } from '../../src/controller/budget.js';
import { createRun } from '../../src/controller/run-setup.js';
import { parsePlan } from '../../src/plan/load.js';
import { formatSpend, formatTokens, formatUsd } from '../../src/report/cost.js';
import { Store } from '../../src/store/store.js';
import type { Usage } from '../../src/workers/agents/types.js';

let dir: string;
let store: Store;
let runId: number;
let attempts = 0;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaffer-budget-'));
  store = Store.open(join(dir, 'state.db'));
  const plan = parsePlan(
    {
      name: 'budget',
      units: [
        { id: 'a', title: 'A', prompt: 'a' },
        { id: 'b', title: 'B', prompt: 'b' },
      ],
    },
    'budget-test',
  );
  runId = createRun(store, { plan, repo: dir, configJson: '{}', maxRounds: 3 });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const usage = (costUsd: number | null, inputTokens = 0, outputTokens = 0): Usage => ({
  inputTokens,
  outputTokens,
  cachedTokens: 0,
  costUsd,
});

/** An ended attempt of `unitId` that used `used`. */
function spent(unitId: string, used: Usage | null): void {
  attempts += 1;
  const id = store.attempts.start({
    runId,
    unitId,
    number: attempts,
    round: 1,
    branch: `b-${attempts}`,
    worktree: dir,
    baseCommit: '0'.repeat(40),
    logPath: join(dir, 'log'),
  });
  store.attempts.end(id, {
    outcome: 'failed',
    exitCode: 1,
    signal: null,
    handoff: 'missing',
    handoffJson: null,
    commits: 0,
    reason: 'x',
    usage: used,
  });
}

function budget(limits: Partial<BudgetLimits>): Budget {
  return new Budget({ onLimit: 'finish', ...limits }, store, runId);
}

describe('Budget', () => {
  it('sums ended attempts from the store and running ones from their live usage', () => {
    spent('a', usage(0.3, 1000, 100));
    spent('b', usage(null, 500, 50));
    const watch = budget({ perRunUsd: 1 });
    watch.setLive('b', usage(0.2, 10, 1));
    expect(watch.runSpend()).toEqual({ inputTokens: 1510, outputTokens: 151, cachedTokens: 0, costUsd: 0.5 });
    expect(watch.unitSpend('b').costUsd).toBe(0.2);
    watch.clearLive('b');
    expect(watch.unitSpend('b').costUsd).toBeNull();
  });

  it('finds the run limit and a unit limit, in dollars or tokens', () => {
    spent('a', usage(0.3, 4000, 1000));
    expect(budget({ perRunUsd: 0.3 }).runReached()).toEqual({
      scope: 'run',
      unit: 'usd',
      limit: 0.3,
      spent: 0.3,
    });
    expect(budget({ perRunUsd: 0.31 }).runReached()).toBeUndefined();
    expect(budget({ perUnitTokens: 5000 }).unitReached('a')).toEqual({
      scope: 'unit',
      unitId: 'a',
      unit: 'tokens',
      limit: 5000,
      spent: 5000,
    });
    expect(budget({ perUnitTokens: 5000 }).unitReached('b')).toBeUndefined();
    expect(budget({}).active).toBe(false);
  });

  it('counts an agent that reports no cost against token limits only', () => {
    spent('a', usage(null, 9000, 1000));
    expect(budget({ perRunUsd: 0.01 }).runReached()).toBeUndefined();
    expect(budget({ perRunTokens: 10_000 }).runReached()?.unit).toBe('tokens');
  });

  it("gives an attempt the smaller of the unit's and the run's remaining dollars, never less than 0", () => {
    spent('a', usage(0.25));
    spent('b', usage(0.5));
    expect(budget({}).remainingUsd('a')).toBeUndefined();
    expect(budget({ perUnitUsd: 1 }).remainingUsd('a')).toBeCloseTo(0.75, 10);
    expect(budget({ perUnitUsd: 1, perRunUsd: 1 }).remainingUsd('a')).toBeCloseTo(0.25, 10);
    expect(budget({ perRunUsd: 0.5 }).remainingUsd('a')).toBe(0);
  });

  it('names the limit, what was spent and the config field', () => {
    expect(describeBudgetReached({ scope: 'run', unit: 'usd', limit: 1, spent: 1.0234 })).toBe(
      "the run's budget of $1.00 is spent ($1.02; budget.perRunUsd)",
    );
    expect(
      describeBudgetReached({ scope: 'unit', unitId: 'a', unit: 'tokens', limit: 50_000, spent: 52_100 }),
    ).toBe("unit a's budget of 50k tokens is spent (52.1k tokens; budget.perUnitTokens)");
  });
});

describe('cost formatting', () => {
  it('shows dollars with cents, tokens in k and M, and never $0.00 for an unknown cost', () => {
    expect(formatUsd(0.42)).toBe('$0.42');
    expect(formatUsd(0.004)).toBe('<$0.01');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatTokens(950)).toBe('950');
    expect(formatTokens(12_345)).toBe('12.3k');
    expect(formatTokens(4_100_000)).toBe('4.1M');
    expect(formatSpend(usage(null, 900, 40))).toBe('940 tok');
    expect(formatSpend(usage(0.42, 12_000, 300))).toBe('$0.42 12.3k tok');
    expect(formatSpend(usage(null))).toBe('');
    expect(formatSpend(null)).toBe('');
  });
});
