import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { GafferEvent } from '../../src/events/types.js';
import { cleanup, git, makeRepo, runMission } from './mission-fixture.js';

/**
 * A red working branch gets a fixup unit whose prompt carries the failing
 * output, ahead of new work that would be judged against it.
 */

const FIXER = fileURLToPath(new URL('../fixtures/agents/fixer-agent.cjs', import.meta.url));
const fixer = {
  kind: 'command' as const,
  command: process.execPath,
  args: [FIXER, '{prompt_file}'],
  prompt: 'file' as const,
};

const repos: string[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) cleanup(repo);
});

/** The test repository with a file its check fails on: a red baseline. */
function redRepo(): string {
  const repo = makeRepo();
  repos.push(repo);
  fs.writeFileSync(path.join(repo, 'files', 'bad.txt'), 'this is BROKEN\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '--quiet', '-m', 'a broken file');
  return repo;
}

function indexOf(events: readonly GafferEvent[], match: (event: GafferEvent) => boolean): number {
  const index = events.findIndex(match);
  expect(index).toBeGreaterThanOrEqual(0);
  return index;
}

describe('a fixup unit', () => {
  it('fixup auto: a red baseline gets a fixup that lands before new work starts, and green follows it', async () => {
    const repo = redRepo();
    const { result, events } = await runMission(
      repo,
      { name: 'red-baseline', units: [{ id: 'feature', title: 'Feature', prompt: 'WRITE feature' }] },
      { agent: fixer, fixup: 'auto', discovery: { mode: 'confirm' } },
    );
    try {
      const fixups = result.store.units.all(result.runId).filter((row) => row.origin === 'fixup');
      expect(fixups).toHaveLength(1);
      const fixup = fixups[0];
      expect(fixup?.status).toBe('done');
      // Its prompt names the failing check and carries the check's output.
      expect(fixup?.prompt).toMatch(/files/);
      expect(fixup?.prompt).toMatch(/files\/bad\.txt contains BROKEN/);
      const fixupDone = indexOf(
        events,
        (event) =>
          event.type === 'unit:state' && event.payload.unitId === fixup?.id && event.payload.to === 'done',
      );
      const featureStarted = indexOf(
        events,
        (event) => event.type === 'attempt:started' && event.payload.unitId === 'feature',
      );
      expect(fixupDone).toBeLessThan(featureStarted);
      expect(result.store.units.get(result.runId, 'feature')?.status).toBe('done');
      expect(result.status).toBe('completed');
      // The fixup's checks are its own: discovery proposed no second unit for the same failure.
      expect(result.store.proposals.all(result.runId).map((row) => row.source)).toEqual(['fixup']);
      expect(git(repo, 'show', 'gaffer/green:files/bad.txt')).toBe('this is fixed');
    } finally {
      result.store.close();
    }
  });

  it('fixup propose: the fixup waits for the operator as a proposal and nothing joins by itself', async () => {
    const repo = redRepo();
    const { result, events } = await runMission(
      repo,
      { name: 'red-propose', units: [{ id: 'feature', title: 'Feature', prompt: 'WRITE feature' }] },
      { agent: fixer, fixup: 'propose', discovery: { mode: 'off' } },
    );
    try {
      const proposals = result.store.proposals.all(result.runId);
      expect(proposals.map((row) => [row.source, row.status])).toEqual([['fixup', 'proposed']]);
      expect(proposals[0]?.discovered_from).toMatch(/baseline/);
      expect(result.store.units.all(result.runId).map((row) => row.id)).toEqual(['feature']);
      expect(events.some((event) => event.type === 'discovery:proposed')).toBe(true);
    } finally {
      result.store.close();
    }
  });

  it('fixup off, discovery auto: each failure of the baseline becomes a unit with where it came from', async () => {
    const repo = redRepo();
    const { result } = await runMission(
      repo,
      { name: 'red-discovery', units: [{ id: 'feature', title: 'Feature', prompt: 'WRITE feature' }] },
      { agent: fixer, fixup: 'off', discovery: { mode: 'auto' } },
    );
    try {
      const discovered = result.store.units.all(result.runId).filter((row) => row.origin === 'discovery');
      expect(discovered).toHaveLength(1);
      expect(discovered[0]?.discovered_from).toMatch(/check "files"/);
      expect(discovered[0]?.status).toBe('done');
      expect(result.status).toBe('completed');
    } finally {
      result.store.close();
    }
  });
});
