import { afterEach, expect, it } from 'vitest';
import { cleanup, filesOn, makeRepo, runMission } from './mission-fixture.js';

let repo = '';
afterEach(() => cleanup(repo));

it('judges each attempt by exit code, handoff and commits, and records the handoff as valid, missing or malformed', async () => {
  repo = makeRepo();
  const { result } = await runMission(
    repo,
    {
      units: [
        {
          id: 'valid',
          title: 'valid handoff',
          prompt: '@write files/valid.txt v\n@commit v\n@handoff done all good',
        },
        {
          id: 'malformed',
          title: 'broken handoff',
          prompt: '@write files/malformed.txt m\n@commit m\n@handoff-malformed',
        },
        { id: 'silent', title: 'no handoff', prompt: '@write files/silent.txt s\n@commit s' },
        {
          id: 'gave-up',
          title: 'reports failure',
          prompt: '@write files/gave-up.txt g\n@commit g\n@handoff failed could not finish',
        },
        { id: 'idle', title: 'does nothing', prompt: '@print 2 thinking' },
        {
          id: 'crashed',
          title: 'commits then crashes',
          prompt: '@write files/crashed.txt c\n@commit c\n@exit 4',
        },
      ],
    },
    { maxAttempts: 1, rounds: { max: 1 }, concurrency: 3 },
  );
  try {
    const attempts = new Map(
      result.store.attempts.forRun(result.runId).map((attempt) => [attempt.unit_id, attempt]),
    );
    expect(attempts.get('valid')).toMatchObject({ outcome: 'handed-off', handoff: 'valid', commits: 1 });
    expect(JSON.parse(attempts.get('valid')?.handoff_json ?? '{}')).toMatchObject({
      status: 'done',
      summary: 'all good',
    });
    expect(attempts.get('malformed')).toMatchObject({
      outcome: 'handed-off',
      handoff: 'malformed',
      commits: 1,
    });
    expect(attempts.get('malformed')?.reason).toContain('malformed handoff');
    expect(attempts.get('silent')).toMatchObject({ outcome: 'handed-off', handoff: 'missing', commits: 1 });
    expect(attempts.get('gave-up')).toMatchObject({ outcome: 'failed', handoff: 'valid' });
    expect(attempts.get('gave-up')?.reason).toBe('the agent reported failed: could not finish');
    expect(attempts.get('idle')).toMatchObject({ outcome: 'failed', commits: 0 });
    expect(attempts.get('idle')?.reason).toContain('made no commits');
    expect(attempts.get('crashed')).toMatchObject({ outcome: 'failed', exit_code: 4, commits: 1 });
    expect(filesOn(repo, 'gaffer/working')).toEqual(['base.txt', 'malformed.txt', 'silent.txt', 'valid.txt']);
  } finally {
    result.store.close();
  }
});
