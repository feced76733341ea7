import type { UnitOrigin } from '../events/types.js';
import { assertUnitTransition, type UnitStatus } from '../machines/unit.js';
import type { Statement } from 'better-sqlite3';
import { statementCache, type Db } from './database.js';
import { now } from './runs.js';

export interface UnitRow {
  run_id: number;
  id: string;
  title: string;
  prompt: string;
  status: UnitStatus;
  strikes: number;
  attempts: number;
  last_round: number;
  feedback: string;
  reason: string;
  spec_json: string;
  /** How it joined the run: the plan file at the start, a live edit, discovery, a fixup. */
  origin: UnitOrigin;
  /** Where a discovered unit came from, for a person; null otherwise. */
  discovered_from: string | null;
  updated_at: string;
}

/** What `gaffer status` shows of a unit: its prompt and spec (most of the row) stay unread. */
export type UnitSummary = Pick<
  UnitRow,
  'id' | 'title' | 'status' | 'reason' | 'strikes' | 'origin' | 'discovered_from'
>;

/** The columns the scheduler decides with. */
export type UnitSchedulingRow = Pick<UnitRow, 'id' | 'status' | 'origin' | 'attempts' | 'last_round'>;

/** What may change of a unit besides its status. */
export type UnitChanges = Partial<
  Pick<UnitRow, 'strikes' | 'attempts' | 'last_round' | 'feedback' | 'reason'>
>;

export interface NewUnit {
  id: string;
  title: string;
  prompt: string;
  dependsOn: readonly string[];
  specJson: string;
  /** Set when the unit starts as done (a new run found its change already merged): why. */
  done?: string;
  /** How it joined the run (default: the plan file at the start). */
  origin?: UnitOrigin;
  discoveredFrom?: string | null;
}

/** Units of a run and their dependency edges. */
export class UnitsTable {
  private readonly prepare: (sql: string) => Statement;

  constructor(db: Db) {
    this.prepare = statementCache(db);
  }

  insert(runId: number, unit: NewUnit): void {
    this.prepare(
      `INSERT INTO units (run_id, id, title, prompt, status, reason, spec_json, origin, discovered_from, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      runId,
      unit.id,
      unit.title,
      unit.prompt,
      unit.done === undefined ? 'pending' : 'done',
      unit.done ?? '',
      unit.specJson,
      unit.origin ?? 'plan',
      unit.discoveredFrom ?? null,
      now(),
    );
    const edge = this.prepare('INSERT INTO unit_deps (run_id, unit_id, depends_on) VALUES (?, ?, ?)');
    for (const dependency of unit.dependsOn) edge.run(runId, unit.id, dependency);
  }

  get(runId: number, id: string): UnitRow | undefined {
    return this.prepare('SELECT * FROM units WHERE run_id = ? AND id = ?').get(runId, id) as
      UnitRow | undefined;
  }

  all(runId: number): UnitRow[] {
    return this.prepare('SELECT * FROM units WHERE run_id = ? ORDER BY rowid').all(runId) as UnitRow[];
  }

  /** Every unit of the run as status shows it, in plan order (the columns named: a wide row costs per column). */
  summaries(runId: number): UnitSummary[] {
    return this.prepare(
      'SELECT id, title, status, reason, strikes, origin, discovered_from FROM units WHERE run_id = ? ORDER BY rowid',
    ).all(runId) as UnitSummary[];
  }

  /**
   * What the scheduler looks at on every pass, in the order of `all`: the
   * units not done (a done unit never moves again, and a run's done units
   * grow to most of it), and no prompts or specs. A 1,000-unit run's every
   * pass read every unit's row before, the largest share of the event loop's
   * time after the overlap reads.
   */
  openSchedulingRows(runId: number): UnitSchedulingRow[] {
    return this.prepare(
      "SELECT id, status, origin, attempts, last_round FROM units WHERE run_id = ? AND status <> 'done' ORDER BY rowid",
    ).all(runId) as UnitSchedulingRow[];
  }

  /** How many units the run has: units are added, never deleted (a removed one keeps its row). */
  count(runId: number): number {
    return (this.prepare('SELECT count(*) AS n FROM units WHERE run_id = ?').get(runId) as { n: number }).n;
  }

  /** Every unit id of the run. */
  ids(runId: number): string[] {
    return this.prepare('SELECT id FROM units WHERE run_id = ?').pluck().all(runId) as string[];
  }

  /** Replaces a unit's dependency edges (a live edit of a unit that has not started). */
  setDependencies(runId: number, id: string, dependsOn: readonly string[]): void {
    this.prepare('DELETE FROM unit_deps WHERE run_id = ? AND unit_id = ?').run(runId, id);
    const edge = this.prepare('INSERT INTO unit_deps (run_id, unit_id, depends_on) VALUES (?, ?, ?)');
    for (const dependency of dependsOn) edge.run(runId, id, dependency);
  }

  /** A live edit changed a unit that has not started: its title, prompt (redacted) and spec. */
  respec(runId: number, id: string, spec: { title: string; prompt: string; specJson: string }): void {
    this.prepare(
      'UPDATE units SET title = ?, prompt = ?, spec_json = ?, updated_at = ? WHERE run_id = ? AND id = ?',
    ).run(spec.title, spec.prompt, spec.specJson, now(), runId, id);
  }

  /** What one unit depends on, in the order `dependencies` gives (an index search, not the run's every edge). */
  dependenciesOfUnit(runId: number, id: string): string[] {
    return this.prepare('SELECT depends_on FROM unit_deps WHERE run_id = ? AND unit_id = ? ORDER BY rowid')
      .pluck()
      .all(runId, id) as string[];
  }

  dependencies(runId: number): Map<string, string[]> {
    const rows = this.prepare(
      'SELECT unit_id, depends_on FROM unit_deps WHERE run_id = ? ORDER BY rowid',
    ).all(runId) as { unit_id: string; depends_on: string }[];
    const map = new Map<string, string[]>();
    for (const row of rows) map.set(row.unit_id, [...(map.get(row.unit_id) ?? []), row.depends_on]);
    return map;
  }

  /**
   * The one write of a unit's status: a legal move of its state machine, by
   * compare and swap (it throws if the unit is no longer `from`).
   */
  move(
    runId: number,
    id: string,
    from: UnitStatus,
    to: UnitStatus,
    changes: UnitChanges & { reason: string },
  ): void {
    assertUnitTransition(id, from, to);
    const changed = this.write(runId, id, { ...changes, status: to }, from);
    if (changed === 0)
      throw new Error(`unit ${id} of run ${runId} is no longer ${from}: it cannot move to ${to}`);
  }

  /** Counters and texts of a unit, never its status. */
  update(runId: number, id: string, changes: UnitChanges): void {
    this.write(runId, id, changes);
  }

  private write(
    runId: number,
    id: string,
    changes: UnitChanges & { status?: UnitStatus },
    from?: UnitStatus,
  ): number {
    const keys = Object.keys(changes) as (keyof typeof changes)[];
    if (keys.length === 0) return 1;
    const assignments = keys.map((key) => `${key} = @${key}`).join(', ');
    const guard = from === undefined ? '' : ' AND status = @from';
    return this.prepare(
      `UPDATE units SET ${assignments}, updated_at = @updated_at WHERE run_id = @run_id AND id = @id${guard}`,
    ).run({ ...changes, updated_at: now(), run_id: runId, id, ...(from === undefined ? {} : { from }) })
      .changes;
  }
}
