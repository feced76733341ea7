import { UsageError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { Store } from '../store/store.js';
import { Recorder } from './recorder.js';
import { UnitLedger } from './unit-ledger.js';

/**
 * An operator's retry while no supervisor runs: the unit (failed, blocked or
 * killed) goes back to pending with fresh attempts, the units it blocked
 * follow, and the run becomes resumable with at least one more round.
 */
export function retryUnit(
  store: Store,
  bus: EventBus,
  unitId: string,
  maxAttempts: number,
): { runId: number; unblocked: string[] } {
  const run = store.runs.latest();
  if (!run) throw new UsageError('no run is recorded in this state folder: nothing to retry');
  const unit = store.units.get(run.id, unitId);
  if (!unit) {
    const known = store.units.all(run.id).map((row) => row.id);
    throw new UsageError(`run #${run.id} has no unit "${unitId}" (units: ${known.join(', ')})`);
  }
  if (unit.status !== 'failed' && unit.status !== 'blocked' && unit.status !== 'killed') {
    throw new UsageError(
      `unit "${unitId}" is ${unit.status}: only failed, blocked or killed units can be retried`,
    );
  }
  const recorder = new Recorder(store, bus);
  const ledger = new UnitLedger(recorder, run.id, maxAttempts, store.units.dependencies(run.id));
  const blockedBefore = new Set(
    ledger
      .all()
      .filter((row) => row.status === 'blocked')
      .map((row) => row.id),
  );
  const reason = `unit ${unitId} retried by the operator: run \`gaffer run\` to continue`;
  if (unit.status === 'blocked') {
    const failed = ledger.transitiveDependencies(unitId).filter((dep) => ledger.get(dep).status === 'failed');
    if (failed.length > 0) {
      throw new UsageError(
        `unit "${unitId}" is blocked by failed ${failed.length === 1 ? 'dependency' : 'dependencies'} ${failed.join(', ')}: retry ${failed.length === 1 ? 'that one' : 'those'} instead`,
      );
    }
  }
  // One transaction: the unit, the units it unblocks and the run's new budget commit together.
  ledger.retry(unitId, {
    write: () => {
      const roundsUsed = store.runs.rounds(run.id).length;
      if (roundsUsed >= run.max_rounds) store.runs.setMaxRounds(run.id, roundsUsed + 1);
      if (run.status === 'completed' || run.status === 'unfinished' || run.status === 'failed')
        store.runs.setStatus(run.id, 'interrupted', reason);
    },
  });
  const unblocked = ledger
    .all()
    .filter((row) => blockedBefore.has(row.id) && row.status === 'pending')
    .map((row) => row.id);
  return { runId: run.id, unblocked };
}
