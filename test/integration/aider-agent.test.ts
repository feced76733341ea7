import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { cleanup, filesOn, git, makeRepo, runMission } from './mission-fixture.js';

// Whole missions with a fake `aider` that prints aider's real output lines (see
// test/fixtures/agents/fake-aider); the scenario is a line of each unit's prompt.
const FAKE_AIDER = fileURLToPath(new URL('../fixtures/agents/fake-aider', import.meta.url));

let repo = '';
afterEach(() => cleanup(repo));

it('records the tokens and the latest session cost aider printed; aider commits itself unless gaffer does', async () => {
  repo = makeRepo();
  const { result } = await runMission(
    repo,
    {
      units: [
        { id: 'own', title: 'aider commits', prompt: '@scenario success' },
        { id: 'retried', title: 'rate limited once', prompt: '@scenario rate-limit-then-ok' },
      ],
    },
    { agent: { kind: 'aider', command: FAKE_AIDER } },
  );
  try {
    expect(result.status).toBe('completed');
    expect(filesOn(repo, 'gaffer/working')).toEqual(['base.txt', 'own.txt', 'retried.txt']);
    expect(git(repo, 'log', '--format=%s', 'gaffer/working')).toContain('feat: add own');
    for (const attempt of result.store.attempts.forRun(result.runId)) {
      expect(attempt).toMatchObject({
        outcome: 'handed-off',
        failure_kind: null,
        input_tokens: 14300,
        output_tokens: 1303,
        cached_tokens: 5600,
        cost_usd: 0.12,
      });
    }
  } finally {
    result.store.close();
  }
});

it('lets gaffer commit with autoCommit: true (aider gets --no-auto-commits)', async () => {
  repo = makeRepo();
  const { result } = await runMission(
    repo,
    { units: [{ id: 'left', title: 'gaffer commits', prompt: '@scenario success' }] },
    { agent: { kind: 'aider', command: FAKE_AIDER, autoCommit: true } },
  );
  try {
    expect(result.status).toBe('completed');
    expect(filesOn(repo, 'gaffer/working')).toEqual(['base.txt', 'left.txt']);
    const subjects = git(repo, 'log', '--format=%s', 'gaffer/working');
    expect(subjects).not.toContain('feat: add left');
    expect(subjects).toContain('left: gaffer commits (attempt 1)');
  } finally {
    result.store.close();
  }
});

it('reads an AuthenticationError that aider exits 0 on as auth and stops the run', async () => {
  repo = makeRepo();
  const { result } = await runMission(
    repo,
    { units: ['a', 'b'].map((id) => ({ id, title: `unit ${id}`, prompt: '@scenario auth' })) },
    { agent: { kind: 'aider', command: FAKE_AIDER }, concurrency: 1, retryBackoffMs: 0 },
  );
  try {
    expect(result.stoppedBy).toBe('agent-auth');
    const attempts = result.store.attempts.forRun(result.runId);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ outcome: 'error', failure_kind: 'auth', exit_code: 0 });
    expect(attempts[0]?.reason).toContain(
      'litellm.AuthenticationError: AuthenticationError: OpenAIException',
    );
  } finally {
    result.store.close();
  }
});

it('judges a rate limit aider gave up on as infrastructure and a traceback as a crash', async () => {
  repo = makeRepo();
  const { result } = await runMission(
    repo,
    {
      units: [
        { id: 'limited', title: 'rate limited', prompt: '@scenario rate-limited' },
        { id: 'broken', title: 'crashes', prompt: '@scenario traceback' },
      ],
    },
    { agent: { kind: 'aider', command: FAKE_AIDER }, retryBackoffMs: 0, maxAttempts: 1, rounds: { max: 1 } },
  );
  try {
    const attempts = result.store.attempts.forRun(result.runId);
    const limited = attempts.filter((attempt) => attempt.unit_id === 'limited');
    expect(limited.length).toBeGreaterThanOrEqual(2);
    for (const attempt of limited)
      expect(attempt).toMatchObject({ outcome: 'error', failure_kind: 'rate-limit', exit_code: 0 });
    const broken = attempts.filter((attempt) => attempt.unit_id === 'broken');
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatchObject({ outcome: 'failed', failure_kind: 'crashed', exit_code: 1 });
    expect(broken[0]?.reason).toBe(`the agent crashed: "KeyError: 'edit_format'"`);
  } finally {
    result.store.close();
  }
});
