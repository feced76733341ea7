import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { MAX_TIMER_MS } from '../../src/config/schema.js';
import { ConfigError, PlanError } from '../../src/errors.js';
import { parsePlan } from '../../src/plan/load.js';

/** The error `parse` throws; fails the test if it throws nothing. */
function errorOf(parse: () => unknown): unknown {
  try {
    parse();
  } catch (error) {
    return error;
  }
  throw new Error('expected a validation error, got none');
}

const TOO_LONG = MAX_TIMER_MS + 1;
const LIMIT_TEXT = 'must be at most 2147483647 ms (24.86 days): a Node timer cannot wait longer';

describe('timeouts a timer can hold', () => {
  it('is the largest delay setTimeout takes: one more and Node fires the timer at once', () => {
    expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
  });

  // Each config field holding a delay, as the config sets it.
  const fields: { path: string; config: (ms: number) => Record<string, unknown> }[] = [
    { path: 'attemptTimeoutMs', config: (ms) => ({ attemptTimeoutMs: ms }) },
    { path: 'killGraceMs', config: (ms) => ({ killGraceMs: ms }) },
    {
      path: 'checks.0.timeoutMs',
      config: (ms) => ({ checks: [{ name: 'tests', command: ['npm', 'test'], timeoutMs: ms }] }),
    },
  ];

  for (const { path, config } of fields) {
    it(`refuses ${path} above ${MAX_TIMER_MS} ms, saying the limit in ms and days`, () => {
      const error = errorOf(() => parseConfig(config(TOO_LONG), 'gaffer.json'));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain(`${path}: ${LIMIT_TEXT}`);
    });

    it(`accepts ${path} of exactly ${MAX_TIMER_MS} ms`, () => {
      expect(() => parseConfig(config(MAX_TIMER_MS), 'gaffer.json')).not.toThrow();
    });
  }

  it("refuses a plan unit's timeoutMs above the limit with a PlanError naming the unit's field", () => {
    const plan = (ms: number) => ({ units: [{ id: 'a', title: 'A', prompt: 'p', timeoutMs: ms }] });
    const error = errorOf(() => parsePlan(plan(TOO_LONG), 'plan.json'));
    expect(error).toBeInstanceOf(PlanError);
    expect((error as PlanError).message).toContain(`units.0.timeoutMs: ${LIMIT_TEXT}`);
    expect(parsePlan(plan(MAX_TIMER_MS), 'plan.json').units[0]?.timeoutMs).toBe(MAX_TIMER_MS);
  });

  it("refuses a plan unit's check timeout above the limit too", () => {
    const error = errorOf(() =>
      parsePlan(
        {
          units: [
            {
              id: 'a',
              title: 'A',
              prompt: 'p',
              checks: [{ name: 't', command: ['true'], timeoutMs: TOO_LONG }],
            },
          ],
        },
        'plan.json',
      ),
    );
    expect((error as PlanError).message).toContain(`units.0.checks.0.timeoutMs: ${LIMIT_TEXT}`);
  });
});
