import type { UnitOrigin } from '../events/types.js';
import { errorMessage } from '../errors.js';
import { planEdit, type LiveUnit, type PlanEdit } from '../plan/edit.js';
import { watchPlan, type PlanWatcher } from '../plan/watch.js';
import type { Plan, Unit } from '../plan/schema.js';
import { UnitSchema } from '../plan/schema.js';
import { redact } from '../util/redact.js';
import type { EventSpec, Recorder } from './recorder.js';
import { planHash, unitSpecJson } from './run-setup.js';
import type { UnitLedger } from './unit-ledger.js';

/**
 * The plan a run follows while it runs: the plan file's units, plus those
 * discovery and fixups added, minus those a live edit removed. It owns the
 * unit specs the scheduler reads (prompt, agent, checks, timeout, files), so
 * a change here is what the next attempt gets. Every change is one
 * transaction with its events, through the Recorder.
 */
export class PlanBook {
  private readonly specs = new Map<string, Unit>();
  private objectiveText: string | undefined;

  constructor(
    private readonly recorder: Recorder,
    private readonly ledger: UnitLedger,
    private readonly runId: number,
    plan: Plan,
  ) {
    this.objectiveText = plan.objective;
    for (const unit of plan.units) this.specs.set(unit.id, unit);
    // Units discovery or a fixup added live only in the store: a resumed run takes them from there.
    for (const row of recorder.store.units.all(runId)) {
      if (this.specs.has(row.id) || row.status === 'removed') continue;
      if (row.origin !== 'discovery' && row.origin !== 'fixup') continue;
      const spec = UnitSchema.safeParse(JSON.parse(row.spec_json));
      if (spec.success) this.specs.set(row.id, spec.data);
    }
  }

  /** The live specs, by id: the scheduler and the merge queue read through this map. */
  get units(): ReadonlyMap<string, Unit> {
    return this.specs;
  }

  get objective(): string | undefined {
    return this.objectiveText;
  }

  /** The run's units with their statuses and origins, for a plan edit to be judged against. */
  liveUnits(): LiveUnit[] {
    const live: LiveUnit[] = [];
    for (const row of this.ledger.all()) {
      const unit = this.specs.get(row.id);
      if (unit === undefined || row.status === 'removed') continue;
      live.push({ unit, status: row.status, origin: row.origin });
    }
    return live;
  }

  /** Ids a live edit removed: never used again in this run (attempts, branches and logs keep them). */
  removedIds(): Set<string> {
    return new Set(
      this.ledger
        .all()
        .filter((row) => row.status === 'removed')
        .map((row) => row.id),
    );
  }

  /** Every id the run has ever had: a new unit needs one that is not among them. */
  takenIds(): Set<string> {
    return new Set(this.ledger.all().map((row) => row.id));
  }

  /**
   * A unit joins the run (discovery, a fixup). It starts pending, or blocked
   * when a dependency already failed. `write` and `before` join the same
   * transaction (a proposal's decision).
   */
  add(
    unit: Unit,
    origin: Exclude<UnitOrigin, 'plan'>,
    discoveredFrom: string | null,
    options: { before?: EventSpec[]; write?: () => void } = {},
  ): void {
    const { events, write } = this.additions([unit], origin, discoveredFrom);
    this.recorder.record([...(options.before ?? []), ...events], () => {
      options.write?.();
      write();
    });
    this.took([unit]);
    this.settleBlocking([unit.id]);
  }

  /**
   * Takes a judged edit of the plan file: new units join, units not yet
   * started take their new spec or leave the run, and the run is now the
   * run of the edited file (a later start of it resumes this run). A
   * rejected edit changes nothing and is said.
   */
  applyEdit(edit: PlanEdit, filePath: string, filePlan: Plan): void {
    const { runId } = this;
    if (!edit.ok) {
      this.rejectEdit(filePath, edit.error ?? 'the edit is invalid');
      return;
    }
    const store = this.recorder.store;
    const added = this.additions(edit.added, 'edit', null);
    const removals = edit.removed.map((id) =>
      this.ledger.planMove(id, 'removed', 'removed from the plan file while the run went on'),
    );
    const edited: EventSpec = [
      'plan:edited',
      {
        runId,
        path: filePath,
        added: edit.added.map((unit) => unit.id),
        updated: edit.updated.map(({ id, fields }) => ({ id, fields })),
        removed: edit.removed,
        refused: edit.refused,
        objectiveChanged: edit.objectiveChanged,
      },
    ];
    const hash = planHash(filePlan);
    this.recorder.record([...added.events, ...removals.map(([event]) => event), edited], () => {
      added.write();
      for (const [, write] of removals) write();
      for (const { id, unit } of edit.updated) {
        store.units.respec(runId, id, {
          title: unit.title,
          prompt: redact(unit.prompt),
          specJson: unitSpecJson(unit),
        });
        store.units.setDependencies(runId, id, unit.depends_on);
      }
      store.runs.setPlanHash(runId, hash);
    });
    this.took(edit.added);
    for (const { id, unit } of edit.updated) {
      this.specs.set(id, unit);
      this.ledger.setDependencies(id, unit.depends_on);
    }
    for (const id of edit.removed) {
      this.specs.delete(id);
      this.ledger.setDependencies(id, []);
    }
    if (edit.objectiveChanged) this.objectiveText = filePlan.objective;
    this.settleBlocking([...edit.added.map((unit) => unit.id), ...edit.updated.map(({ id }) => id)]);
  }

  /** The plan file could not be read as a plan: the running plan stays as it was. */
  rejectEdit(filePath: string, error: string): void {
    this.recorder.record([['plan:edit-rejected', { runId: this.runId, path: filePath, error }]]);
  }

  /** A warning about the plan, unless the store itself failed (then the run is stopping anyway). */
  warn(message: string): void {
    if (this.recorder.failure) return;
    this.recorder.record([['supervisor:warning', { runId: this.runId, message: redact(message) }]]);
  }

  private additions(
    units: readonly Unit[],
    origin: Exclude<UnitOrigin, 'plan'>,
    discoveredFrom: string | null,
  ): { events: EventSpec[]; write: () => void } {
    const { runId } = this;
    return {
      events: units.map((unit) => [
        'unit:added',
        { runId, unitId: unit.id, title: unit.title, dependsOn: unit.depends_on, origin, discoveredFrom },
      ]),
      write: () => {
        for (const unit of units) {
          this.recorder.store.units.insert(runId, {
            id: unit.id,
            title: unit.title,
            prompt: redact(unit.prompt),
            dependsOn: unit.depends_on,
            specJson: unitSpecJson(unit),
            origin,
            discoveredFrom,
          });
        }
      },
    };
  }

  private took(units: readonly Unit[]): void {
    for (const unit of units) {
      this.specs.set(unit.id, unit);
      this.ledger.setDependencies(unit.id, unit.depends_on);
    }
  }

  /**
   * A unit whose dependencies changed: blocked when one of them failed, and
   * pending again when none does any more.
   */
  private settleBlocking(ids: readonly string[]): void {
    const moves: [EventSpec, () => void][] = [];
    for (const id of ids) {
      const status = this.ledger.get(id).status;
      const failed = this.ledger.failedDependencies(id);
      if (status === 'pending' && failed.length > 0)
        moves.push(this.ledger.planMove(id, 'blocked', `dependency ${failed.join(', ')} failed`));
      else if (status === 'blocked' && failed.length === 0)
        moves.push(this.ledger.planMove(id, 'pending', 'no dependency of it has failed any more'));
    }
    if (moves.length === 0) return;
    this.recorder.record(
      moves.map(([event]) => event),
      () => {
        for (const [, write] of moves) write();
      },
    );
  }
}

/**
 * Watches the plan file while the run goes on: each saved version is judged
 * against the units as they are at that moment and taken (in part, said) or
 * ignored as a whole (said). Returns the watcher to close at the run's end.
 */
export function watchPlanEdits(
  book: PlanBook,
  options: { planPath: string; planName: string; wake: () => void },
): PlanWatcher {
  const { planPath } = options;
  return watchPlan(planPath, {
    onChange: (change) => {
      try {
        if (!change.ok) {
          book.rejectEdit(planPath, change.error);
          return;
        }
        const edit = planEdit(
          book.liveUnits(),
          book.removedIds(),
          change.plan,
          { name: options.planName, objective: book.objective },
          planPath,
        );
        if (edit.ok && edit.unchanged && edit.refused.length === 0) return;
        book.applyEdit(edit, planPath, change.plan);
        options.wake();
      } catch (error) {
        book.warn(`the edit of ${planPath} could not be taken: ${errorMessage(error)}`);
      }
    },
  });
}
