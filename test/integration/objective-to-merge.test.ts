import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import type { GafferEvent } from '../../src/events/types.js';
import { planFromObjective } from '../../src/planning/planner.js';
import { supervise } from '../../src/supervisor.js';
import { git } from '../helpers/cli.js';
import { FAKE_PLANNER, makePlanningSandbox, type PlanningSandbox } from '../planning/planning-fixture.js';

/**
 * The whole way: a plan from an objective, a mission that grows through
 * discovery and takes a live edit of its plan file, every new unit merged,
 * every proposal traceable to where it came from.
 */

const sandboxes: PlanningSandbox[] = [];
afterEach(() => {
  for (const sandbox of sandboxes.splice(0)) fs.rmSync(sandbox.root, { recursive: true, force: true });
});

describe('from an objective to merged work', () => {
  it('plans, grows through discovery, takes a live edit and merges every unit', async () => {
    const sandbox = makePlanningSandbox();
    sandboxes.push(sandbox);
    const gate = path.join(sandbox.root, 'gate');
    const planFile = path.join(sandbox.root, 'plan.json');
    const config = sandbox.config({
      agent: { kind: 'scripted' },
      planner: {
        agent: {
          kind: 'command',
          command: process.execPath,
          args: [FAKE_PLANNER],
          env: { FAKE_PLANNER: 'grow', FAKE_PLANNER_GATE: gate },
        },
      },
      discovery: { mode: 'auto' },
      concurrency: 2,
      rounds: { max: 3 },
    });
    const { plan } = await planFromObjective({
      objective: 'Write first and second, and whatever else turns out to be needed',
      repo: sandbox.repo,
      baseCommit: sandbox.baseCommit,
      config,
      stateDir: config.stateDir,
      signal: new AbortController().signal,
    });
    expect(plan.units.map((unit) => unit.id)).toEqual(['first', 'second']);
    fs.writeFileSync(planFile, `${JSON.stringify(plan, null, 2)}\n`);
    const edited = {
      ...plan,
      units: [
        ...plan.units,
        {
          id: 'third',
          title: 'Write third.txt',
          prompt: '@write third.txt third\n@commit Add third.txt\n@handoff done wrote third',
          depends_on: ['second'],
        },
      ],
    };

    const events: GafferEvent[] = [];
    const result = await supervise({
      config,
      plan,
      planPath: planFile,
      signal: new AbortController().signal,
      subscribe: (bus: EventBus) => {
        bus.onAny((event) => {
          if (event.type !== 'worker:output') events.push(event);
        });
        bus.on('attempt:started', (event) => {
          if (event.unitId === 'first' && event.attempt === 1)
            fs.writeFileSync(planFile, `${JSON.stringify(edited, null, 2)}\n`);
        });
        // first goes on once the edit is in: the run is under way while it is taken.
        bus.on('plan:edited', () => fs.writeFileSync(gate, 'go\n'));
        bus.on('plan:edit-rejected', () => fs.writeFileSync(gate, 'go\n'));
      },
    });
    try {
      expect(result.status).toBe('completed');
      const units = result.store.units.all(result.runId);
      expect(units.map((row) => [row.id, row.origin, row.status])).toEqual([
        ['first', 'plan', 'done'],
        ['second', 'plan', 'done'],
        ['third', 'edit', 'done'],
        [expect.stringMatching(/docs/), 'discovery', 'done'],
      ]);
      const tree = git(sandbox.repo, 'ls-tree', '--name-only', 'gaffer/working').split('\n');
      expect(tree).toEqual(expect.arrayContaining(['first.txt', 'second.txt', 'third.txt', 'docs.txt']));

      // The discovered unit is traceable: its row, its proposal and the events all name the handoff.
      const docs = units[3];
      expect(docs?.discovered_from).toBe('handoff of unit first, attempt 1');
      const [proposal] = result.store.proposals.all(result.runId);
      expect(proposal).toMatchObject({ unit_id: docs?.id, source: 'handoff', status: 'accepted' });
      const proposed = events.find((event) => event.type === 'discovery:proposed');
      expect(proposed?.payload).toMatchObject({
        proposalId: proposal?.id,
        discoveredFrom: docs?.discovered_from,
      });
      const added = events.find(
        (event) => event.type === 'unit:added' && event.payload.origin === 'discovery',
      );
      expect(added?.payload).toMatchObject({ unitId: docs?.id, discoveredFrom: docs?.discovered_from });
      // The same story is in the database's event log.
      const logged = result.store.db
        .prepare(
          "SELECT type, payload FROM events WHERE run_id = ? AND type IN ('discovery:proposed', 'unit:added') ORDER BY seq",
        )
        .all(result.runId) as { type: string; payload: string }[];
      expect(logged.map((row) => [row.type, (JSON.parse(row.payload) as { unitId: string }).unitId])).toEqual(
        [
          ['unit:added', 'third'],
          ['discovery:proposed', docs?.id],
          ['unit:added', docs?.id],
        ],
      );
    } finally {
      result.store.close();
    }
  });
});
