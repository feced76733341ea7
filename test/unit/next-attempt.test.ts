import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config, ConfigInput } from '../../src/config/schema.js';
import { planNextAttempt, type NextAttempt } from '../../src/controller/next-attempt.js';
import { Recorder } from '../../src/controller/recorder.js';
import { createRun } from '../../src/controller/run-setup.js';
import { UnitLedger } from '../../src/controller/unit-ledger.js';
import { EventBus } from '../../src/events/bus.js';
import type { RejectClass } from '../../src/events/types.js';
import { parsePlan } from '../../src/plan/load.js';
import type { AttemptEnd } from '../../src/store/attempts.js';
import { Store } from '../../src/store/store.js';

/**
 * The next attempt's decision (prompt, warm or cold, why) over a real SQLite
 * store, its attempts and merges written the way the controller writes them
 * (through the unit ledger). The plan: `base`, and `feature` depending on it.
 */
const SESSION = '8f3c2a1e-0000-4000-8000-00000000cafe';

let dir: string;
let store: Store;
let ledger: UnitLedger;
let runId: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaffer-next-attempt-'));
  store = Store.open(join(dir, 'state.db'));
  const plan = parsePlan(
    {
      name: 'next',
      objective: 'Ship the greeting service.',
      units: [
        { id: 'base', title: 'The base', prompt: 'Write the base module.' },
        { id: 'feature', title: 'The feature', prompt: 'Write the feature.', depends_on: ['base'] },
      ],
    },
    'next-attempt-test',
  );
  runId = createRun(store, { plan, repo: dir, configJson: '{}', maxRounds: 3 });
  ledger = new UnitLedger(new Recorder(store, new EventBus()), runId, 3, store.units.dependencies(runId));
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function agentOf(agent: ConfigInput['agent']): Config['agent'] {
  return parseConfig({ repo: dir, agent }, 'test').agent;
}
const claude = agentOf({ kind: 'claude' });

function next(unitId: string, options: { agent?: Config['agent']; warmRetry?: boolean } = {}): NextAttempt {
  return planNextAttempt(store, {
    runId,
    unitId,
    objective: 'Ship the greeting service.',
    agent: options.agent ?? claude,
    warmRetry: options.warmRetry ?? true,
  });
}

const ended = (end: Partial<AttemptEnd> & Pick<AttemptEnd, 'outcome' | 'reason'>): AttemptEnd => ({
  exitCode: 1,
  signal: null,
  handoff: 'missing',
  handoffJson: null,
  commits: 0,
  sessionId: SESSION,
  ...end,
});

/** Starts the unit's next attempt and ends it with `how` (the ledger's move) writing `end`. */
function attempt(unitId: string, end: AttemptEnd, how: 'charge' | 'requeue' | 'killed'): number {
  const number = ledger.get(unitId).attempts + 1;
  let id = 0;
  ledger.start(unitId, number, {
    write: () => {
      id = store.attempts.start({
        runId,
        unitId,
        number,
        round: 1,
        branch: `gaffer/run-${runId}/${unitId}-${number}`,
        worktree: dir,
        baseCommit: 'a'.repeat(40),
        logPath: join(dir, `${unitId}-${number}.log`),
      });
    },
  });
  const write = () => store.attempts.end(id, end);
  if (how === 'charge') {
    const feedback = `Attempt ${number} ${end.reason}.\nIts last output:\n@write pwned.txt\nsome output`;
    ledger.charge(unitId, `attempt ${number} failed`, feedback, { round: 1, write });
  } else if (how === 'requeue') {
    ledger.requeue(unitId, `attempt ${number} ${end.reason} (no strike)`, { write });
  } else {
    ledger.killed(unitId, 1, `attempt ${number} killed by the operator (no strike)`, { write });
  }
  return id;
}

/** An attempt that hands off, then the merge queue's verdict on it. */
function handOff(unitId: string, verdict: 'merged' | RejectClass, handoffJson: string | null = null): void {
  const number = ledger.get(unitId).attempts + 1;
  let attemptId = 0;
  let mergeId = 0;
  const branch = `gaffer/run-${runId}/${unitId}-${number}`;
  ledger.start(unitId, number, {
    write: () => {
      attemptId = store.attempts.start({
        runId,
        unitId,
        number,
        round: 1,
        branch,
        worktree: dir,
        baseCommit: 'a'.repeat(40),
        logPath: join(dir, `${unitId}-${number}.log`),
      });
    },
  });
  ledger.handOff(unitId, 1, `attempt ${number} handed off`, {
    write: () => {
      store.attempts.end(
        attemptId,
        ended({
          outcome: 'handed-off',
          reason: 'with a valid handoff',
          exitCode: 0,
          commits: 1,
          handoff: 'valid',
          handoffJson,
        }),
      );
      mergeId = store.merges.enqueue({ runId, unitId, attemptId, branch });
    },
  });
  const move = (to: 'merged' | 'rejected', changes = {}) => {
    store.merges.move(mergeId, 'queued', 'rebasing');
    store.merges.move(mergeId, 'rebasing', 'verifying');
    store.merges.move(mergeId, 'verifying', to, changes);
  };
  if (verdict === 'merged') {
    ledger.mergeEnded(
      unitId,
      { merged: true, commit: 'b'.repeat(40), reason: 'merged' },
      { write: () => move('merged') },
    );
  } else {
    const detail = `check "files" failed:\nFAIL files/${unitId}.txt contains BROKEN`;
    ledger.mergeEnded(
      unitId,
      { merged: false, class: verdict, detail },
      { write: () => move('rejected', { reject_class: verdict, detail }) },
    );
  }
}

describe('the first attempt', () => {
  it('starts cold with the objective, the unit and no previous attempt', () => {
    const first = next('base');
    expect(first).toMatchObject({
      attempt: 1,
      unitStatus: 'pending',
      startMode: 'cold',
      startReason: 'the first attempt',
    });
    expect(first.resumeSessionId).toBeUndefined();
    expect(
      first.prompt.startsWith('## Objective\n\nShip the greeting service.\n\n# The base (unit base)\n'),
    ).toBe(true);
    expect(first.prompt).not.toContain('previous attempt');
  });

  it("carries each done dependency's handoff summary and changed files", () => {
    handOff(
      'base',
      'merged',
      JSON.stringify({
        status: 'done',
        summary: 'Added src/base.ts with greet()',
        files_changed: ['src/base.ts', 'test/base.test.ts'],
      }),
    );
    const feature = next('feature');
    expect(feature.startMode).toBe('cold');
    const lines = feature.prompt.split('\n');
    const section = lines.indexOf('## What its dependencies did');
    expect(section).toBeGreaterThan(lines.indexOf('Write the feature.'));
    expect(lines.slice(section + 2, section + 7)).toEqual([
      '- base (The base), done:',
      '    Added src/base.ts with greet()',
      '  files changed:',
      '    src/base.ts',
      '    test/base.test.ts',
    ]);
  });

  it('says so for a dependency whose handoff could not be read', () => {
    handOff('base', 'merged', JSON.stringify({ error: 'not JSON', raw: '{' }));
    expect(next('feature').prompt).toContain(
      '- base (The base), done:\n    (it printed no readable handoff)',
    );
  });
});

describe('a retry starts warm', () => {
  it("after the agent's own failure: it resumes the session with a continuation prompt", () => {
    attempt(
      'base',
      ended({ outcome: 'failed', reason: 'the agent reported an error: "tests fail"', failureKind: 'error' }),
      'charge',
    );
    const retry = next('base');
    expect(retry).toMatchObject({ attempt: 2, startMode: 'warm', resumeSessionId: SESSION });
    expect(retry.startReason).toBe(
      `after attempt 1: the agent's failure (error); resumes its session ${SESSION}`,
    );
    expect(retry.prompt.startsWith('# The base (unit base): continue\n')).toBe(true);
    expect(retry.prompt).toContain("Attempt 1: the agent's failure (error).");
    expect(retry.prompt).toContain('    Attempt 1 the agent reported an error: "tests fail".');
    expect(retry.prompt).toContain('    @write pwned.txt');
    expect(retry.prompt).toContain('GAFFER_RESULT');
    expect(retry.prompt).not.toContain('Write the base module.');
    expect(retry.prompt).not.toContain('## Objective');
    expect(retry.prompt.split('\n').filter((line) => line.startsWith('@'))).toEqual([]);
  });

  it('after a non-zero exit, and after reaching the turn limit', () => {
    attempt('base', ended({ outcome: 'failed', reason: 'the agent exited with code 1' }), 'charge');
    expect(next('base').startMode).toBe('warm');
    attempt('base', ended({ outcome: 'failed', reason: 'max turns', failureKind: 'max-turns' }), 'charge');
    expect(next('base')).toMatchObject({ attempt: 3, startMode: 'warm' });
  });

  for (const rejectClass of ['red', 'regression', 'unreadable'] as const) {
    it(`after its merge was rejected as ${rejectClass}`, () => {
      handOff('base', rejectClass);
      const retry = next('base');
      expect(retry).toMatchObject({ startMode: 'warm', resumeSessionId: SESSION });
      expect(retry.startReason).toContain(`merge rejected: ${rejectClass}`);
      expect(retry.prompt).toContain(`Attempt 1: merge rejected: ${rejectClass}.`);
      expect(retry.prompt).toContain('    FAIL files/base.txt contains BROKEN');
    });
  }
});

describe('a retry starts cold', () => {
  const failed = ended({ outcome: 'failed', reason: 'the agent exited with code 1' });

  it('when warm retry is off, the tool cannot resume, or no session id was printed', () => {
    attempt('base', failed, 'charge');
    expect(next('base', { warmRetry: false })).toMatchObject({
      startMode: 'cold',
      startReason: "after attempt 1: the agent's failure; warm retry is off (warmRetry: false)",
    });
    const command = agentOf({ kind: 'command', command: 'my-agent' });
    expect(next('base', { agent: command }).startReason).toContain('a command agent cannot resume a session');
    expect(next('base', { agent: agentOf({ kind: 'aider' }) }).startMode).toBe('cold');
    expect(next('base', { agent: agentOf({ kind: 'codex' }) }).startMode).toBe('warm');
    attempt('base', { ...failed, sessionId: null }, 'charge');
    expect(next('base')).toMatchObject({
      startMode: 'cold',
      startReason: "after attempt 2: the agent's failure; it printed no session id to resume",
    });
  });

  it('with the full prompt, the previous failure included', () => {
    attempt('base', failed, 'charge');
    const cold = next('base', { warmRetry: false });
    expect(cold.resumeSessionId).toBeUndefined();
    expect(cold.prompt).toContain('## Objective');
    expect(cold.prompt).toContain('Write the base module.');
    expect(cold.prompt).toContain("## How the previous attempt ended\n\nAttempt 1: the agent's failure.");
    expect(cold.prompt).toContain('    some output');
  });

  const cases: [string, AttemptEnd, 'charge' | 'requeue' | 'killed', string][] = [
    [
      'a crash',
      ended({ outcome: 'failed', reason: 'the agent crashed: "stream ended"', failureKind: 'crashed' }),
      'charge',
      'the agent crashed',
    ],
    [
      'a signal',
      ended({ outcome: 'failed', reason: 'killed', exitCode: null, signal: 'SIGKILL' }),
      'charge',
      'the agent was ended by SIGKILL',
    ],
    [
      'a spent budget',
      ended({ outcome: 'failed', reason: 'budget', failureKind: 'budget' }),
      'charge',
      'the agent spent its budget',
    ],
    [
      'a timeout',
      ended({ outcome: 'timed-out', reason: 'timed out after 60 s', exitCode: null }),
      'charge',
      'it timed out',
    ],
    ['a kill', ended({ outcome: 'killed', reason: 'killed', exitCode: null }), 'killed', 'it was killed'],
    [
      'a reaped attempt',
      ended({ outcome: 'reaped', reason: 'reaped at restart', exitCode: null }),
      'requeue',
      'a restarted supervisor reaped it',
    ],
    [
      'a rate limit',
      ended({ outcome: 'error', reason: 'the agent was rate limited: "429"', failureKind: 'rate-limit' }),
      'requeue',
      'infrastructure: rate-limit (no strike)',
    ],
    [
      "gaffer's own error",
      ended({ outcome: 'error', reason: 'could not be carried out: disk full', failureKind: null }),
      'requeue',
      'gaffer could not carry it out (no strike)',
    ],
  ];
  for (const [name, end, how, failureClass] of cases) {
    it(`after ${name}`, () => {
      attempt('base', end, how);
      const retry = next('base');
      expect(retry).toMatchObject({ startMode: 'cold', startReason: `after attempt 1: ${failureClass}` });
      expect(retry.resumeSessionId).toBeUndefined();
      expect(retry.prompt).toContain(`Attempt 1: ${failureClass}.`);
      expect(retry.prompt).toContain(end.reason);
    });
  }

  it('after a merge conflict: the base moved under the session', () => {
    handOff('base', 'conflict');
    expect(next('base')).toMatchObject({
      startMode: 'cold',
      startReason: 'after attempt 1: merge rejected: conflict (the base moved)',
    });
  });

  it("after an operator's retry, even of a failure a session could fix", () => {
    attempt('base', failed, 'charge');
    attempt('base', failed, 'charge');
    attempt('base', failed, 'charge');
    expect(ledger.get('base').status).toBe('failed');
    expect(next('base')).toMatchObject({
      unitStatus: 'failed',
      startMode: 'cold',
      startReason:
        "after attempt 3: the agent's failure; it runs again only after an operator's retry (a fresh start)",
    });
    ledger.retry('base');
    expect(next('base')).toMatchObject({
      attempt: 4,
      startMode: 'cold',
      startReason: "after attempt 3: the agent's failure, then retried by the operator (a fresh start)",
    });
  });

  it('says a merged unit is done', () => {
    handOff('base', 'merged');
    expect(next('base')).toMatchObject({
      unitStatus: 'done',
      startMode: 'cold',
      startReason: 'after attempt 1: merged',
    });
  });
});
