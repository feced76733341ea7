import { afterEach, expect, it } from 'vitest';
import type { GafferEvent } from '../../src/events/types.js';
import { formatSummary, summarizeRun } from '../../src/report/summary.js';
import { formatStatus, readStatus } from '../../src/status.js';
import { cleanup, makeRepo, runMission, writes } from './mission-fixture.js';

/** Cost, tokens and budgets in real missions: the scripted agent reports usage with `@cost USD IN OUT`. */

let repo = '';
afterEach(() => cleanup(repo));

/** A unit that reports what it used, then writes its file and hands off. */
function costly(name: string, usd: number, input = 1000, output = 100): string {
  return `@cost ${usd} ${input} ${output}\n${writes(name)}`;
}

function budgetEvents(events: readonly GafferEvent[]) {
  return events.flatMap((event) => (event.type === 'budget:reached' ? [event.payload] : []));
}

it('records each attempt’s cost and tokens, and sums them per unit and per run in status and the summary', async () => {
  repo = makeRepo();
  const { result, events } = await runMission(repo, {
    units: [
      // Two reports: the second one's totals stand for the attempt.
      { id: 'a', title: 'A', prompt: `@cost 0.10 1000 100\n@cost 0.15 500 50\n${writes('a')}` },
      { id: 'b', title: 'B', prompt: costly('b', 0.2, 12_000, 345) },
      { id: 'quiet', title: 'reports nothing', prompt: writes('quiet') },
    ],
  });
  try {
    expect(result.status).toBe('completed');
    const rows = new Map(result.store.attempts.forRun(result.runId).map((row) => [row.unit_id, row]));
    expect(rows.get('a')).toMatchObject({ input_tokens: 1500, output_tokens: 150, cost_usd: 0.25 });
    expect(rows.get('b')).toMatchObject({ input_tokens: 12_000, output_tokens: 345, cost_usd: 0.2 });
    // An agent that says nothing about cost: no cost, never $0.00.
    expect(rows.get('quiet')).toMatchObject({ input_tokens: 0, output_tokens: 0, cost_usd: null });

    const ended = events.flatMap((event) => (event.type === 'attempt:ended' ? [event.payload] : []));
    expect(ended.find((event) => event.unitId === 'a')?.usage).toEqual({
      inputTokens: 1500,
      outputTokens: 150,
      cachedTokens: 0,
      costUsd: 0.25,
    });
    expect(ended.find((event) => event.unitId === 'quiet')?.usage).toBeNull();

    const status = readStatus(result.store, result.runId);
    expect(status?.run.spend.costUsd).toBeCloseTo(0.45, 10);
    expect(status?.run.spend).toMatchObject({ inputTokens: 13_500, outputTokens: 495 });
    const units = new Map(status?.units.map((unit) => [unit.id, unit]));
    expect(units.get('a')?.spend.costUsd).toBeCloseTo(0.25, 10);
    expect(units.get('quiet')?.spend.costUsd).toBeNull();
    expect(units.get('b')?.attempts[0]?.usage).toMatchObject({ inputTokens: 12_000, costUsd: 0.2 });
    // `gaffer status --json` prints this report as it is.
    expect(JSON.parse(JSON.stringify(status))).toMatchObject({ run: { spend: { outputTokens: 495 } } });
    const text = formatStatus(status ?? expect.fail('no status'));
    expect(text).toContain('  spent $0.45 14k tok');
    expect(text).toMatch(/ {2}b +done +\[\$0\.20 12\.3k tok\]/);
    expect(text).toMatch(/#1 \(round 1\) handed-off \[\$0\.20 12\.3k tok\]: 1 commit/);
    expect(text).not.toContain('$0.00');

    const summary = formatSummary(
      summarizeRun(result.store, result.runId, {
        greenCommit: null,
        workingCommit: null,
        databasePath: 'db',
      }),
    );
    expect(summary).toContain('  spent     $0.45 14k tok');
  } finally {
    result.store.close();
  }
}, 120_000);

it('starts no attempt once the run’s budget is spent, says so once, ends unfinished, and resumes with a raised budget', async () => {
  repo = makeRepo();
  const plan = {
    units: [
      { id: 'a', title: 'A', prompt: costly('a', 0.3) },
      { id: 'b', title: 'B', prompt: costly('b', 0.3) },
      { id: 'c', title: 'C', prompt: costly('c', 0.3) },
    ],
  };
  const first = await runMission(repo, plan, { concurrency: 1, budget: { perRunUsd: 0.5 } });
  let runId: number;
  try {
    runId = first.result.runId;
    expect(first.result.status).toBe('unfinished');
    expect(first.result.reason).toContain("the run's budget of $0.50 is spent ($0.60; budget.perRunUsd)");
    expect(first.result.reason).toContain('c (pending)');
    const attempts = first.result.store.attempts.forRun(runId);
    expect(attempts.map((row) => row.unit_id)).toEqual(['a', 'b']);
    const reached = budgetEvents(first.events);
    expect(reached).toHaveLength(1);
    expect(reached[0]).toMatchObject({ scope: 'run', unit: 'usd', limit: 0.5, action: 'finish' });
    expect(reached[0]?.message).toContain('no new attempt starts');
    expect(reached[0]?.message).toContain('raise budget.perRunUsd');
    expect(first.result.store.units.get(runId, 'c')).toMatchObject({ status: 'pending', attempts: 0 });
  } finally {
    first.result.store.close();
  }

  const second = await runMission(repo, plan, { concurrency: 1, budget: { perRunUsd: 5 } });
  try {
    expect(second.result.runId).toBe(runId);
    expect(second.result.status).toBe('completed');
    expect(second.result.store.attempts.forRun(runId).map((row) => row.unit_id)).toEqual(['a', 'b', 'c']);
    expect(second.result.store.attempts.runSpend(runId).costUsd).toBeCloseTo(0.9, 10);
  } finally {
    second.result.store.close();
  }
}, 180_000);

it('fails a unit whose own budget is spent instead of giving it another attempt, and blocks its dependents only', async () => {
  repo = makeRepo();
  const { result, events } = await runMission(
    repo,
    {
      units: [
        // Costs more than its budget, then fails: without the budget it would have two more attempts.
        { id: 'spender', title: 'S', prompt: '@cost 0.3 5000 500\n@exit 1' },
        { id: 'after', title: 'depends on spender', prompt: writes('after'), depends_on: ['spender'] },
        { id: 'other', title: 'O', prompt: costly('other', 0.2) },
      ],
    },
    { maxAttempts: 3, budget: { perUnitUsd: 0.25 } },
  );
  try {
    const units = new Map(result.store.units.all(result.runId).map((unit) => [unit.id, unit]));
    expect(units.get('spender')).toMatchObject({ status: 'failed', attempts: 1, strikes: 1 });
    expect(units.get('spender')?.reason).toContain("unit spender's budget of $0.25 is spent ($0.30");
    expect(units.get('spender')?.reason).toContain('budget.perUnitUsd');
    expect(units.get('after')?.status).toBe('blocked');
    expect(units.get('other')?.status).toBe('done');
    expect(budgetEvents(events)).toEqual([
      expect.objectContaining({ scope: 'unit', unitId: 'spender', unit: 'usd', limit: 0.25, spent: 0.3 }),
    ]);
    expect(result.status).toBe('completed');
  } finally {
    result.store.close();
  }
}, 120_000);

it('with onLimit stop, ends a running attempt the moment its usage passes the budget, with no strike', async () => {
  repo = makeRepo();
  const { result, events } = await runMission(
    repo,
    {
      units: [
        // Without the budget it would sleep, then hand off.
        { id: 'runaway', title: 'R', prompt: `@cost 0.2 100 100\n@sleep 60000\n${writes('runaway')}` },
      ],
    },
    { maxAttempts: 3, budget: { perUnitTokens: 150, onLimit: 'stop' }, attemptTimeoutMs: 300_000 },
  );
  try {
    const [attempt, ...more] = result.store.attempts.forRun(result.runId);
    expect(more).toEqual([]);
    expect(attempt).toMatchObject({ outcome: 'killed', input_tokens: 100, output_tokens: 100 });
    expect(attempt?.reason).toBe(
      "budget reached: unit runaway's budget of 150 tokens is spent (200 tokens; budget.perUnitTokens)",
    );
    expect(result.store.units.get(result.runId, 'runaway')).toMatchObject({ status: 'failed', strikes: 0 });
    expect(events.some((event) => event.type === 'attempt:usage' && event.payload.unitId === 'runaway')).toBe(
      true,
    );
  } finally {
    result.store.close();
  }
}, 120_000);

it('with onLimit stop, ends every running attempt when the run’s budget is spent and leaves their units pending', async () => {
  repo = makeRepo();
  const { result, events } = await runMission(
    repo,
    {
      units: [
        {
          id: 'first',
          title: 'F',
          prompt: `@sleep 3000\n@cost 0.6 100 10\n@sleep 60000\n${writes('first')}`,
        },
        { id: 'second', title: 'S', prompt: `@sleep 60000\n${writes('second')}` },
      ],
    },
    { concurrency: 2, budget: { perRunUsd: 0.5, onLimit: 'stop' }, attemptTimeoutMs: 300_000 },
  );
  try {
    expect(result.status).toBe('unfinished');
    expect(result.reason).toContain("the run's budget of $0.50 is spent ($0.60; budget.perRunUsd)");
    const rows = result.store.attempts.forRun(result.runId);
    // second was started alongside first (its head start is only an ordering aid): any attempt it had was ended too.
    expect(rows.find((row) => row.unit_id === 'first')?.outcome).toBe('killed');
    expect(rows.filter((row) => row.unit_id === 'second').length).toBeLessThanOrEqual(1);
    for (const row of rows) expect(row.outcome).toBe('killed');
    for (const row of rows) expect(row.reason).toMatch(/^budget reached: the run's budget of \$0\.50/);
    for (const unit of result.store.units.all(result.runId))
      expect(unit).toMatchObject({ status: 'pending', strikes: 0 });
    const reached = budgetEvents(events);
    expect(reached).toHaveLength(1);
    expect(reached[0]).toMatchObject({ scope: 'run', action: 'stop' });
    expect(reached[0]?.message).toContain('running attempts are ended');
  } finally {
    result.store.close();
  }
}, 120_000);
