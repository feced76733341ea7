import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GafferEvent } from '../../src/events/types.js';
import type { AgentConfig } from '../../src/config/schema.js';
import { formatStatus, readStatus, type StatusReport } from '../../src/status.js';
import { scriptedAgentPath } from '../../src/workers/scripted-agent-path.js';
import { cleanup, filesOn, makeRepo, runMission, writes } from './mission-fixture.js';

const WAIT_THEN_SCRIPTED = path.resolve('test/fixtures/agents/wait-then-scripted');

/** The scripted agent, started only once `marker` exists: the attempt stays open until the test says so. */
function heldAgent(marker: string): AgentConfig {
  return {
    kind: 'command',
    command: process.execPath,
    args: [WAIT_THEN_SCRIPTED, marker, scriptedAgentPath()],
  } as AgentConfig;
}

function indexOf(events: readonly GafferEvent[], type: string, unitId: string): number {
  const at = events.findIndex(
    (event) => event.type === type && (event.payload as { unitId?: string }).unitId === unitId,
  );
  expect(at, `${type} of ${unitId}`).toBeGreaterThanOrEqual(0);
  return at;
}

describe('overlap edges: units expected to touch the same files never run at the same time', () => {
  let repo = '';
  let markers = '';
  afterEach(() => {
    cleanup(repo);
    fs.rmSync(markers, { recursive: true, force: true });
  });

  it('holds a unit whose plan hint overlaps a running one, while a disjoint unit runs alongside', async () => {
    repo = makeRepo();
    markers = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-overlap-'));
    const cStarted = path.join(markers, 'c-started');
    const { result, events } = await runMission(
      repo,
      {
        name: 'overlap',
        units: [
          // a ends only after c has started: proof that c ran beside it.
          { id: 'a', title: 'api', prompt: writes('a'), files: ['src/api/'], agent: heldAgent(cStarted) },
          { id: 'b', title: 'routes', prompt: writes('b'), files: ['src/api/routes.ts'] },
          { id: 'c', title: 'docs', prompt: writes('c'), files: ['docs/'] },
        ],
      },
      { concurrency: 2, rounds: { max: 1 } },
      {
        subscribe: (bus) =>
          bus.onAny((event) => {
            if (event.type === 'attempt:started' && event.payload.unitId === 'c')
              fs.writeFileSync(cStarted, '');
          }),
      },
    );
    try {
      expect(result.status).toBe('completed');
      expect(filesOn(repo, 'gaffer/working')).toEqual(['a.txt', 'b.txt', 'base.txt', 'c.txt']);

      // c started while a ran; b started only once a had ended and its merge had landed.
      expect(indexOf(events, 'attempt:started', 'c')).toBeLessThan(indexOf(events, 'attempt:ended', 'a'));
      expect(indexOf(events, 'attempt:started', 'b')).toBeGreaterThan(indexOf(events, 'merge:merged', 'a'));
      const attempts = result.store.attempts.forRun(result.runId);
      const [aAttempt, bAttempt] = ['a', 'b'].map((id) =>
        attempts.filter((attempt) => attempt.unit_id === id),
      );
      expect(bAttempt).toHaveLength(1);
      expect(aAttempt?.[0]?.ended_at).toBeTruthy();
      expect((bAttempt?.[0]?.started_at ?? '') >= (aAttempt?.[0]?.ended_at ?? '~')).toBe(true);

      // The edge, once, in the events and in the store.
      const edge = {
        unitId: 'b',
        waitsFor: 'a',
        files: ['src/api/routes.ts'],
        reason: "its plan hint names src/api/routes.ts; a's plan hint names src/api/",
      };
      expect(events.filter((event) => event.type === 'unit:overlap').map((event) => event.payload)).toEqual([
        { runId: result.runId, ...edge },
      ]);
      expect(
        result.store.overlaps.all(result.runId).map((row) => ({
          unitId: row.unit_id,
          waitsFor: row.other_id,
          files: JSON.parse(row.files_json) as string[],
          reason: row.reason,
        })),
      ).toEqual([edge]);
      // gaffer status lists it, in its text and its JSON.
      const status = readStatus(result.store, result.runId);
      expect(status?.overlaps.map(({ at, ...shown }) => ({ ...shown, dated: at !== '' }))).toEqual([
        { unit: 'b', waitedFor: 'a', files: edge.files, reason: edge.reason, dated: true },
      ]);
      expect(formatStatus(status as StatusReport)).toContain(
        `overlap edges (held back, not dependencies)\n  b    waited for a on src/api/routes.ts: ${edge.reason}`,
      );
      // An edge orders two units for a while; it never becomes a dependency.
      const dependencies = result.store.units.dependencies(result.runId);
      expect(['a', 'b', 'c'].map((id) => dependencies.get(id) ?? [])).toEqual([[], [], []]);
    } finally {
      result.store.close();
    }
  });

  it("holds a unit whose dependency changed a file another running unit's hint names", async () => {
    repo = makeRepo();
    markers = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-overlap-'));
    const apiHeld = path.join(markers, 'api-held');
    const { result, events } = await runMission(
      repo,
      {
        name: 'overlap-dependency',
        units: [
          { id: 'parser', title: 'parser', prompt: writes('parse') },
          { id: 'api', title: 'api', prompt: writes('api'), depends_on: ['parser'] },
          // lint runs beside parser (no shared hint) and stays running until api has been held.
          {
            id: 'lint',
            title: 'lint',
            prompt: writes('lint'),
            files: ['files/parse.txt'],
            agent: heldAgent(apiHeld),
          },
        ],
      },
      { concurrency: 2, rounds: { max: 1 } },
      {
        subscribe: (bus) =>
          bus.on('unit:overlap', (payload) => {
            if (payload.unitId === 'api') fs.writeFileSync(apiHeld, '');
          }),
      },
    );
    try {
      expect(result.status).toBe('completed');
      expect(filesOn(repo, 'gaffer/working')).toEqual(['api.txt', 'base.txt', 'lint.txt', 'parse.txt']);
      expect(events.filter((event) => event.type === 'unit:overlap').map((event) => event.payload)).toEqual([
        {
          runId: result.runId,
          unitId: 'api',
          waitsFor: 'lint',
          files: ['files/parse.txt'],
          reason: "its dependency parser changed files/parse.txt; lint's plan hint names files/parse.txt",
        },
      ]);
      expect(indexOf(events, 'attempt:started', 'api')).toBeGreaterThan(
        indexOf(events, 'merge:merged', 'lint'),
      );
      expect(result.store.overlaps.all(result.runId).map((row) => [row.unit_id, row.other_id])).toEqual([
        ['api', 'lint'],
      ]);
      expect(result.store.units.dependencies(result.runId).get('api')).toEqual(['parser']);
    } finally {
      result.store.close();
    }
  });
});
