import { afterEach, describe, expect, it } from 'vitest';
import {
  branchExists,
  cleanup,
  eventsOf,
  filesOn,
  git,
  makeRepo,
  runMission,
  writes,
} from './mission-fixture.js';

describe('a whole mission on a real repository', () => {
  let repo = '';
  afterEach(() => cleanup(repo));

  it('lands exactly the accepted units on working and green, in dependency order', async () => {
    repo = makeRepo();
    const { result, events } = await runMission(repo, {
      name: 'graph',
      units: [
        { id: 'a', title: 'first of a chain', prompt: writes('a') },
        { id: 'b', title: 'needs a', prompt: `@sleep 50\n${writes('b')}`, depends_on: ['a'] },
        { id: 'c', title: 'needs b', prompt: writes('c'), depends_on: ['b'] },
        { id: 'p', title: 'parallel', prompt: `@sleep 300\n${writes('p')}` },
        { id: 'retry', title: 'fails once', prompt: `@fail-first 1\n${writes('retry')}` },
        { id: 'broken', title: 'breaks the check', prompt: writes('broken', 'BROKEN on purpose') },
      ],
    });
    try {
      expect(result.status).toBe('completed');
      expect(filesOn(repo, 'gaffer/working')).toEqual([
        'a.txt',
        'b.txt',
        'base.txt',
        'c.txt',
        'p.txt',
        'retry.txt',
      ]);
      expect(git(repo, 'rev-parse', 'gaffer/green')).toBe(git(repo, 'rev-parse', 'gaffer/working'));
      // main is never touched: the user's branch stays where it was.
      expect(filesOn(repo, 'main')).toEqual(['base.txt']);

      const units = new Map(result.store.units.all(result.runId).map((unit) => [unit.id, unit]));
      expect(units.get('retry')).toMatchObject({ status: 'done', attempts: 2, strikes: 1 });
      expect(units.get('broken')).toMatchObject({ status: 'failed', attempts: 3, strikes: 3 });
      expect(units.get('a')).toMatchObject({ status: 'done', attempts: 1, strikes: 0 });

      const merges = result.store.merges.forRun(result.runId);
      expect(
        merges
          .filter((merge) => merge.status === 'merged')
          .map((merge) => merge.unit_id)
          .sort(),
      ).toEqual(['a', 'b', 'c', 'p', 'retry']);
      expect(merges.filter((merge) => merge.unit_id === 'broken').map((merge) => merge.reject_class)).toEqual(
        ['red', 'red', 'red'],
      );

      // Dependencies start only from a tip that holds their merged dependencies.
      const attempts = result.store.attempts.forRun(result.runId);
      const started = (id: string) => attempts.find((attempt) => attempt.unit_id === id);
      const merged = (id: string) =>
        merges.find((merge) => merge.unit_id === id && merge.status === 'merged')?.merged_commit;
      expect(started('b')?.base_commit).toBe(merged('a'));
      expect(started('c')?.base_commit).toBe(merged('b'));

      expect(eventsOf(events, 'a')).toEqual([
        'unit:running',
        'attempt:started',
        'attempt:ended',
        'unit:merging',
        'merge:queued',
        'merge:rebasing',
        'merge:verifying',
        'merge:merged',
        'unit:done',
      ]);
      // The event log in the database holds the same sequence as the bus delivered.
      const logged = result.store.events.forRun(result.runId).map((row) => row.type);
      expect(logged).toEqual(events.map((event) => event.type));
      // Merged attempt branches are gone; the rejected attempts' work is kept, out of `git branch`.
      expect(branchExists(repo, `gaffer/run-${result.runId}/a/attempt-1`)).toBe(false);
      expect(branchExists(repo, `gaffer/run-${result.runId}/broken/attempt-1`)).toBe(false);
      expect(
        git(repo, 'rev-parse', '--verify', `refs/gaffer/attempts/run-${result.runId}/broken/attempt-1`),
      ).toMatch(/^[0-9a-f]{40}$/);
      expect(git(repo, 'for-each-ref', '--format=%(refname)', 'refs/heads/gaffer/run-')).toBe('');
    } finally {
      result.store.close();
    }
  });
});
