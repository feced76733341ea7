import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { cleanup, makeRepo, runMission, writes } from './mission-fixture.js';

let repo = '';
afterEach(() => cleanup(repo));

it("a dependent's prompt carries the objective and what its dependency did; each attempt says it started cold and why", async () => {
  repo = makeRepo();
  const { result, events, config } = await runMission(
    repo,
    {
      objective: 'Fill files/ with a floor and a roof.',
      units: [
        { id: 'floor', title: 'The floor', prompt: writes('floor') },
        { id: 'roof', title: 'The roof', prompt: writes('roof'), depends_on: ['floor'] },
      ],
    },
    { maxAttempts: 1, rounds: { max: 1 } },
  );
  try {
    expect(result.store.units.all(result.runId).map((unit) => [unit.id, unit.status])).toEqual([
      ['floor', 'done'],
      ['roof', 'done'],
    ]);
    const promptOf = (unit: string) =>
      fs.readFileSync(
        path.join(config.stateDir, 'prompts', `run-${result.runId}`, `${unit}-attempt-1.md`),
        'utf8',
      );
    const roof = promptOf('roof').split('\n');
    expect(roof.slice(0, 5)).toEqual([
      '## Objective',
      '',
      'Fill files/ with a floor and a roof.',
      '',
      '# The roof (unit roof)',
    ]);
    const section = roof.indexOf('## What its dependencies did');
    expect(section).toBeGreaterThan(roof.indexOf('@handoff done wrote roof'));
    // The scripted agent's handoff: its summary and `git diff --name-only HEAD~1`.
    expect(roof.slice(section + 2, section + 6)).toEqual([
      '- floor (The floor), done:',
      '    wrote floor',
      '  files changed:',
      '    files/floor.txt',
    ]);
    expect(promptOf('floor')).not.toContain('## What its dependencies did');

    for (const attempt of result.store.attempts.forRun(result.runId)) {
      expect(attempt).toMatchObject({ start_mode: 'cold', start_reason: 'the first attempt' });
      expect(fs.readFileSync(attempt.log_path, 'utf8').split('\n')[0]).toBe(
        `gaffer: attempt 1 of ${attempt.unit_id} starts cold: the first attempt`,
      );
    }
    const started = events.filter((event) => event.type === 'attempt:started').map((event) => event.payload);
    expect(started).toHaveLength(2);
    for (const payload of started)
      expect(payload).toMatchObject({ startMode: 'cold', startReason: 'the first attempt' });
  } finally {
    result.store.close();
  }
});
