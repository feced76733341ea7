import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planHash } from '../../src/controller/run-setup.js';
import { parsePlan } from '../../src/plan/load.js';
import type { PlanInput } from '../../src/plan/schema.js';
import { cleanup, filesOn, git, makeRepo, runMission, writes } from './mission-fixture.js';

/**
 * A plan that grows while it runs: a live edit of the plan file (a unit
 * added, a pending one changed, one removed, a change to a running one
 * refused) and work a unit's handoff discovered, joining the plan.
 */

const repos: string[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) cleanup(repo);
});

function writePlan(file: string, plan: PlanInput): void {
  fs.writeFileSync(file, `${JSON.stringify(plan, null, 2)}\n`);
}

describe('a live edit of the plan file', () => {
  it('adds units, updates pending ones, removes one, refuses to touch a running one, and the run follows the edited file', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const gate = path.join(repo, '..', `${path.basename(repo)}-gate`);
    const planFile = path.join(repo, '..', `${path.basename(repo)}-plan.json`);
    const first: PlanInput = {
      name: 'growing',
      units: [
        { id: 'a', title: 'A', prompt: `@wait-file ${gate}\n${writes('a')}` },
        { id: 'b', title: 'B', prompt: writes('b', 'first'), depends_on: ['a'] },
        { id: 'old', title: 'Old', prompt: writes('old'), depends_on: ['a'] },
      ],
    };
    const edited: PlanInput = {
      name: 'growing',
      units: [
        { id: 'a', title: 'A', prompt: `${writes('a', 'changed')}` },
        { id: 'b', title: 'B', prompt: writes('b', 'second'), depends_on: ['a'] },
        { id: 'c', title: 'C', prompt: writes('c'), depends_on: ['b'] },
      ],
    };
    writePlan(planFile, first);
    let editWritten = false;
    const run = await runMission(
      repo,
      first,
      {},
      {
        planPath: planFile,
        subscribe: (bus) => {
          bus.on('attempt:started', (event) => {
            if (event.unitId !== 'a' || editWritten) return;
            editWritten = true;
            writePlan(planFile, edited);
          });
          // a goes on only once the edit was taken: it is running while the edit is judged.
          bus.on('plan:edited', () => fs.writeFileSync(gate, 'go\n'));
          bus.on('plan:edit-rejected', () => fs.writeFileSync(gate, 'go\n'));
        },
      },
    );
    const { result, events } = run;
    try {
      const edits = events.filter((event) => event.type === 'plan:edited');
      expect(edits).toHaveLength(1);
      const edit = edits[0]?.type === 'plan:edited' ? edits[0].payload : undefined;
      expect(edit?.added).toEqual(['c']);
      expect(edit?.updated).toEqual([{ id: 'b', fields: ['prompt'] }]);
      expect(edit?.removed).toEqual(['old']);
      expect(edit?.refused.join('\n')).toMatch(/unit a is running/);
      expect(events.some((event) => event.type === 'unit:added' && event.payload.unitId === 'c')).toBe(true);

      expect(result.status).toBe('completed');
      const units = new Map(result.store.units.all(result.runId).map((row) => [row.id, row]));
      expect(units.get('a')?.status).toBe('done');
      expect(units.get('b')?.status).toBe('done');
      expect(units.get('c')?.status).toBe('done');
      expect(units.get('c')?.origin).toBe('edit');
      expect(units.get('old')?.status).toBe('removed');
      // The running unit kept its prompt; the pending one took the new one.
      expect(git(repo, 'show', 'gaffer/working:files/a.txt')).toBe('a');
      expect(git(repo, 'show', 'gaffer/working:files/b.txt')).toBe('second');
      expect(filesOn(repo, 'gaffer/working')).toEqual(['a.txt', 'b.txt', 'base.txt', 'c.txt']);
      expect(result.store.units.dependencies(result.runId).get('c')).toEqual(['b']);
      // A later start of the edited file resumes (here: reports) this run, not a new one.
      expect(result.store.runs.get(result.runId)?.plan_hash).toBe(planHash(parsePlan(edited, 'edited')));
    } finally {
      result.store.close();
      fs.rmSync(gate, { force: true });
      fs.rmSync(planFile, { force: true });
    }
  });

  it('ignores an edit with a cycle, says why, and runs the plan as it was', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const gate = path.join(repo, '..', `${path.basename(repo)}-gate`);
    const planFile = path.join(repo, '..', `${path.basename(repo)}-plan.json`);
    const first: PlanInput = {
      name: 'cyclic-edit',
      units: [
        { id: 'a', title: 'A', prompt: `@wait-file ${gate}\n${writes('a')}` },
        { id: 'b', title: 'B', prompt: writes('b'), depends_on: ['a'] },
      ],
    };
    writePlan(planFile, first);
    const { result, events } = await runMission(
      repo,
      first,
      {},
      {
        planPath: planFile,
        subscribe: (bus) => {
          bus.on('attempt:started', (event) => {
            if (event.unitId !== 'a') return;
            // b and a new unit c depend on each other.
            writePlan(planFile, {
              name: 'cyclic-edit',
              units: [
                { id: 'a', title: 'A', prompt: first.units[0]?.prompt ?? '' },
                { id: 'b', title: 'B', prompt: writes('b'), depends_on: ['a', 'c'] },
                { id: 'c', title: 'C', prompt: writes('c'), depends_on: ['b'] },
              ],
            });
          });
          bus.on('plan:edit-rejected', () => fs.writeFileSync(gate, 'go\n'));
          bus.on('plan:edited', () => fs.writeFileSync(gate, 'go\n'));
        },
      },
    );
    try {
      const rejected = events.find((event) => event.type === 'plan:edit-rejected');
      expect(rejected?.type === 'plan:edit-rejected' && rejected.payload.error).toMatch(
        /dependency cycle: b -> c -> b/,
      );
      expect(events.some((event) => event.type === 'plan:edited')).toBe(false);
      expect(result.status).toBe('completed');
      expect(result.store.units.all(result.runId).map((row) => row.id)).toEqual(['a', 'b']);
    } finally {
      result.store.close();
      fs.rmSync(gate, { force: true });
      fs.rmSync(planFile, { force: true });
    }
  });
});

describe('discovery from handoffs', () => {
  const discovered =
    '@discover Write the docs :: @write files/docs.txt docs\\n@commit add docs\\n@handoff done wrote docs';

  it('auto: the discovered unit joins the plan, runs and merges, traceable to the handoff that found it', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const { result, events } = await runMission(
      repo,
      { name: 'discovering', units: [{ id: 'a', title: 'A', prompt: `${discovered}\n${writes('a')}` }] },
      { discovery: { mode: 'auto' } },
    );
    try {
      expect(result.status).toBe('completed');
      const proposals = result.store.proposals.all(result.runId);
      expect(proposals).toHaveLength(1);
      const proposal = proposals[0];
      expect(proposal?.status).toBe('accepted');
      expect(proposal?.source).toBe('handoff');
      expect(proposal?.discovered_from).toBe('handoff of unit a, attempt 1');
      const unit = result.store.units.get(result.runId, proposal?.unit_id ?? '');
      expect(unit?.origin).toBe('discovery');
      expect(unit?.discovered_from).toBe('handoff of unit a, attempt 1');
      expect(unit?.status).toBe('done');
      expect(filesOn(repo, 'gaffer/working')).toContain('docs.txt');
      const types = events
        .filter((event) => 'proposalId' in event.payload || event.type === 'unit:added')
        .map((event) => event.type);
      expect(types).toEqual(['discovery:proposed', 'discovery:decided', 'unit:added']);
    } finally {
      result.store.close();
    }
  });

  it('confirm: the proposal waits for the operator, who accepts it; the run then merges it', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const { result } = await runMission(
      repo,
      {
        name: 'confirming',
        units: [
          { id: 'a', title: 'A', prompt: `${discovered}\n${writes('a')}` },
          // b waits on a's merge and on the operator's answer, so the run is still going when it comes.
          { id: 'b', title: 'B', prompt: writes('b'), depends_on: ['a'] },
        ],
      },
      { discovery: { mode: 'confirm' }, concurrency: 1 },
      {
        attach: (bus, control) => {
          bus.on('discovery:proposed', (event) => {
            queueMicrotask(() => {
              const answer = control.accept(event.proposalId);
              expect(answer.ok).toBe(true);
            });
          });
        },
      },
    );
    try {
      expect(result.status).toBe('completed');
      const proposal = result.store.proposals.all(result.runId)[0];
      expect(proposal?.status).toBe('accepted');
      expect(proposal?.reason).toMatch(/accepted by the operator/);
      expect(result.store.units.get(result.runId, proposal?.unit_id ?? '')?.status).toBe('done');
    } finally {
      result.store.close();
    }
  });

  it('a proposal that repeats a unit of the plan is recorded as a duplicate and does not join', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const { result } = await runMission(
      repo,
      {
        name: 'duplicates',
        units: [
          { id: 'a', title: 'A', prompt: `@discover Write the docs\n${writes('a')}` },
          { id: 'docs', title: 'Write the docs', prompt: writes('docs'), depends_on: ['a'] },
        ],
      },
      { discovery: { mode: 'auto' } },
    );
    try {
      const proposals = result.store.proposals.all(result.runId);
      expect(proposals.map((row) => row.status)).toEqual(['duplicate']);
      expect(proposals[0]?.reason).toMatch(/docs/);
      expect(result.store.units.all(result.runId).map((row) => row.id)).toEqual(['a', 'docs']);
    } finally {
      result.store.close();
    }
  });
});
