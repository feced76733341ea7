import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateError } from '../../src/errors.js';
import { migrations } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';

let dir: string;
let file: string;
const open: Store[] = [];

function openStore(options: { readonly?: boolean } = {}): Store {
  const store = Store.open(file, options);
  open.push(store);
  return store;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaffer-store-'));
  file = join(dir, 'nested', 'state.db');
});

afterEach(() => {
  for (const store of open.splice(0)) store.close();
  rmSync(dir, { recursive: true, force: true });
});

function tables(store: Store): string[] {
  return (
    store.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as {
      name: string;
    }[]
  ).map((row) => row.name);
}

describe('a new state database', () => {
  it('is created (with its folder) at the latest schema version, in WAL mode', () => {
    const store = openStore();
    expect(migrations.length).toBeGreaterThan(0);
    expect(store.db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(tables(store)).toEqual(
      expect.arrayContaining([
        'runs',
        'rounds',
        'units',
        'unit_deps',
        'attempts',
        'merge_requests',
        'events',
      ]),
    );
  });

  it('reopens idempotently, keeping its data', () => {
    const first = openStore();
    const runId = first.runs.create({
      planName: 'p',
      planHash: 'h',
      repo: '/r',
      configJson: '{}',
      maxRounds: 2,
    });
    first.close();
    const second = openStore();
    expect(second.db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(second.runs.get(runId)).toMatchObject({ plan_name: 'p', status: 'running' });
    const secondTables = tables(second);
    second.close();
    const third = openStore();
    expect(third.runs.latest()?.id).toBe(runId);
    expect(third.db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(tables(third)).toEqual(secondTables);
  });

  it('opens readonly once it exists and refuses writes there', () => {
    openStore().close();
    const reader = openStore({ readonly: true });
    expect(reader.db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(() =>
      reader.runs.create({ planName: 'p', planHash: 'h', repo: '/r', configJson: '{}', maxRounds: 1 }),
    ).toThrow(/readonly/i);
  });
});

describe('the event log', () => {
  it('is append-only: UPDATE and DELETE raise', () => {
    const store = openStore();
    store.events.append({
      type: 'supervisor:warning',
      at: '2024-01-01T00:00:00.000Z',
      payload: { runId: 1, message: 'm' },
    });
    expect(() => store.db.prepare(`UPDATE events SET type = 'x'`).run()).toThrow(/append-only/);
    expect(() => store.db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    expect(store.events.forRun(1)).toMatchObject([{ type: 'supervisor:warning', run_id: 1 }]);
  });
});

describe('opening a state database that cannot be used', () => {
  it('readonly on a missing file: a StateError naming `gaffer run`, and no file created', () => {
    let caught: unknown;
    try {
      openStore({ readonly: true });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StateError);
    const error = caught as StateError;
    expect(error.message).toContain(file);
    expect(error.message).toContain('gaffer run');
    expect(error.exitCode).toBe(11);
    expect(existsSync(dirname(file))).toBe(false);
  });

  it.each([false, true])(
    'newer schema than this gaffer knows (readonly: %s): a StateError saying to upgrade',
    (readonly) => {
      openStore().close();
      const raw = new Database(file);
      raw.pragma(`user_version = ${migrations.length + 1}`);
      raw.close();
      let caught: unknown;
      try {
        openStore({ readonly });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(StateError);
      expect((caught as Error).message).toMatch(/upgrade gaffer/);
      expect((caught as Error).message).toContain(`schema version ${migrations.length + 1}`);
      // Nothing was migrated down or changed.
      const check = new Database(file, { readonly: true });
      expect(check.pragma('user_version', { simple: true })).toBe(migrations.length + 1);
      check.close();
    },
  );

  it('a file that is not a database: a StateError', () => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, 'this is not sqlite, just text long enough to fill a header '.repeat(10));
    let caught: unknown;
    try {
      openStore();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StateError);
    expect((caught as Error).message).toContain(file);
    expect((caught as Error).message).toMatch(/not a database.*Move it aside/);
  });
});

describe("the scheduler's per-launch reads", () => {
  it("find a dependency's merged handoff and a unit's dependencies by index search, not a pass over the run", () => {
    const store = openStore();
    const prepared: string[] = [];
    const prepare = store.db.prepare.bind(store.db);
    store.db.prepare = (sql: string) => {
      prepared.push(sql);
      return prepare(sql);
    };
    expect(store.merges.mergedHandoffJson('alpha', 1)).toBeNull();
    expect(store.units.dependenciesOfUnit(1, 'beta')).toEqual([]);
    expect(prepared).toHaveLength(2);
    const parameters = [
      ['alpha', 1],
      [1, 'beta'],
    ];
    for (const [index, sql] of prepared.entries()) {
      const plan = (prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters[index]!) as { detail: string }[])
        .map((row) => row.detail)
        .join(' | ');
      expect(plan, sql).toMatch(
        /^SEARCH (m|unit_deps) USING (COVERING )?INDEX \S+ \((unit_id|run_id)=\? AND /,
      );
    }
  });
});
