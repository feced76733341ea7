import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRun } from '../../src/controller/run-setup.js';
import { IllegalTransitionError } from '../../src/errors.js';
import { assertAttemptTransition, type AttemptOutcome } from '../../src/machines/attempt.js';
import { assertRunTransition, isResumable, type RunStatus } from '../../src/machines/run.js';
import { parsePlan } from '../../src/plan/load.js';
import { Store } from '../../src/store/store.js';

const runStatuses = [
  'running',
  'completed',
  'unfinished',
  'interrupted',
  'failed',
] as const satisfies readonly RunStatus[];
const outcomes = [
  'running',
  'handed-off',
  'failed',
  'timed-out',
  'killed',
  'reaped',
  'error',
] as const satisfies readonly AttemptOutcome[];

/** The documented moves of src/machines/run.ts. */
const legalRun: readonly (readonly [RunStatus, RunStatus])[] = [
  ['running', 'completed'],
  ['running', 'unfinished'],
  ['running', 'interrupted'],
  ['running', 'failed'],
  ['running', 'running'],
  ['interrupted', 'running'],
  ['unfinished', 'running'],
  ['failed', 'running'],
  ['unfinished', 'interrupted'],
  ['failed', 'interrupted'],
  ['completed', 'interrupted'],
];

describe('run state machine', () => {
  const pairs = runStatuses.flatMap((from) => runStatuses.map((to) => [from, to] as const));
  it.each(pairs)('%s -> %s is legal only when documented', (from, to) => {
    const legal = legalRun.some(([a, b]) => a === from && b === to);
    if (legal) expect(() => assertRunTransition(1, from, to)).not.toThrow();
    else expect(() => assertRunTransition(1, from, to)).toThrow(IllegalTransitionError);
  });

  it('a completed run is finished: nothing resumes it, only a retry makes it resumable', () => {
    expect(isResumable('completed')).toBe(false);
    expect(() => assertRunTransition(3, 'completed', 'running')).toThrow('illegal run transition for #3');
    for (const status of ['running', 'interrupted', 'unfinished', 'failed'] as const)
      expect(isResumable(status)).toBe(true);
  });
});

describe('attempt state machine', () => {
  it.each(outcomes.filter((outcome) => outcome !== 'running'))('running -> %s ends it, once', (outcome) => {
    expect(() => assertAttemptTransition(1, 'running', outcome)).not.toThrow();
    for (const next of outcomes)
      expect(() => assertAttemptTransition(1, outcome, next)).toThrow(IllegalTransitionError);
  });

  it('never "ends" as running', () => {
    expect(() => assertAttemptTransition(1, 'running', 'running')).toThrow(IllegalTransitionError);
  });
});

describe('the store writes a status only by a legal move, compare and swap', () => {
  let dir: string;
  let store: Store;
  let runId: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gaffer-machines-'));
    store = Store.open(join(dir, 'state.db'));
    const plan = parsePlan({ name: 'm', units: [{ id: 'a', title: 'A', prompt: 'a' }] }, 'machines');
    runId = createRun(store, { plan, repo: dir, configJson: '{}', maxRounds: 2 });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a unit moves only from the status it is in', () => {
    store.units.move(runId, 'a', 'pending', 'running', { reason: 'attempt 1' });
    // A second writer that still believes the unit is pending loses: nothing is written.
    expect(() => store.units.move(runId, 'a', 'pending', 'running', { reason: 'again' })).toThrow(
      'unit a of run 1 is no longer pending',
    );
    expect(() => store.units.move(runId, 'a', 'running', 'done', { reason: 'skip the merge' })).toThrow(
      IllegalTransitionError,
    );
    expect(store.units.get(runId, 'a')).toMatchObject({ status: 'running', reason: 'attempt 1' });
  });

  it('an attempt ends once', () => {
    const id = store.attempts.start({
      runId,
      unitId: 'a',
      number: 1,
      round: 1,
      branch: 'gaffer/run-1/a/attempt-1',
      worktree: dir,
      baseCommit: '0'.repeat(40),
      logPath: '/dev/null',
    });
    const end = {
      exitCode: 1,
      signal: null,
      handoff: 'missing' as const,
      handoffJson: null,
      commits: 0,
      reason: 'exit 1',
    };
    store.attempts.end(id, { ...end, outcome: 'failed' });
    expect(() => store.attempts.end(id, { ...end, outcome: 'reaped' })).toThrow(
      `attempt ${id} has already ended`,
    );
    expect(store.attempts.get(id)?.outcome).toBe('failed');
  });

  it('a completed run cannot be reopened, and a run moves only from its status', () => {
    store.runs.move(runId, 'running', 'completed', 'every unit settled');
    expect(() => store.runs.move(runId, 'completed', 'running', 'resumed')).toThrow(IllegalTransitionError);
    expect(() => store.runs.move(runId, 'running', 'failed', 'stale writer')).toThrow(
      `run #${runId} is no longer running`,
    );
    expect(store.runs.get(runId)).toMatchObject({ status: 'completed', reason: 'every unit settled' });
  });
});
