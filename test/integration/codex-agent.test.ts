import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { AgentSchema } from '../../src/config/schema.js';
import { buildInvocation } from '../../src/workers/agents/index.js';
import { runSupervised } from '../../src/workers/supervised-process.js';
import { cleanup, filesOn, makeRepo, runMission } from './mission-fixture.js';

// Whole missions with a fake `codex` that prints codex-cli 0.171.0's --json events (see
// test/fixtures/agents/fake-codex); the scenario is a line of each unit's prompt.
const FAKE_CODEX = fileURLToPath(new URL('../fixtures/agents/fake-codex', import.meta.url));

let repo = '';
let scratch = '';
afterEach(() => {
  cleanup(repo);
  if (scratch !== '') fs.rmSync(scratch, { recursive: true, force: true });
});

function argvLog(): string {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-codex-argv-'));
  return path.join(scratch, 'argv.jsonl');
}
const codexAgent = (log: string) => ({
  kind: 'codex' as const,
  command: FAKE_CODEX,
  env: { FAKE_CODEX_ARGV_LOG: log },
});
const seconds = (row: { started_at: string; ended_at: string | null }) =>
  (Date.parse(row.ended_at ?? '') - Date.parse(row.started_at)) / 1000;

it('runs codex exec with the current flags and records its thread id and token usage on each attempt', async () => {
  repo = makeRepo();
  const log = argvLog();
  const { result } = await runMission(
    repo,
    {
      units: [
        { id: 'a', title: 'unit a', prompt: '@scenario success' },
        { id: 'b', title: 'unit b', prompt: '@scenario success' },
      ],
    },
    { agent: codexAgent(log) },
  );
  try {
    expect(result.status).toBe('completed');
    expect(filesOn(repo, 'gaffer/working')).toEqual(['a.txt', 'b.txt', 'base.txt']);
    const argvs = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as string[]);
    expect(argvs).toEqual([
      ['exec', '--json', '--sandbox', 'workspace-write', '-'],
      ['exec', '--json', '--sandbox', 'workspace-write', '-'],
    ]);
    for (const attempt of result.store.attempts.forRun(result.runId)) {
      expect(attempt).toMatchObject({
        outcome: 'handed-off',
        handoff: 'valid',
        failure_kind: null,
        input_tokens: 24763 - 24448,
        cached_tokens: 24448,
        output_tokens: 122,
        cost_usd: null,
      });
      expect(attempt.session_id).toMatch(/^01a22946-0000-7000-8000-\d{12}$/);
    }
  } finally {
    result.store.close();
  }
});

it('stops the run with agent-auth when codex is not logged in, before other units burn attempts on it', async () => {
  repo = makeRepo();
  const { result } = await runMission(
    repo,
    {
      units: ['a', 'b', 'c'].map((id) => ({ id, title: `unit ${id}`, prompt: '@scenario not-logged-in' })),
    },
    { agent: codexAgent(argvLog()), concurrency: 1, retryBackoffMs: 0 },
  );
  try {
    expect(result.stoppedBy).toBe('agent-auth');
    expect(result.status).toBe('interrupted');
    expect(result.reason).toContain('gaffer doctor');
    const attempts = result.store.attempts.forRun(result.runId);
    expect(attempts).toHaveLength(1);
    // Its first "Reconnecting... 1/5 (unexpected status 401 …)" already says it: no waiting for the rest.
    expect(attempts[0]).toMatchObject({ outcome: 'error', failure_kind: 'auth' });
    expect(attempts[0]?.reason).toContain('unexpected status 401 Unauthorized: Missing bearer');
  } finally {
    result.store.close();
  }
});

it('ends an attempt whose only notices retry a 401 at once as a login problem, not after stallMs', async () => {
  repo = makeRepo();
  const { result } = await runMission(
    repo,
    {
      units: ['a', 'b'].map((id) => ({ id, title: `unit ${id}`, prompt: '@scenario invalid-key-retrying' })),
    },
    { agent: codexAgent(argvLog()), concurrency: 1, stallMs: 600_000, attemptTimeoutMs: 1_200_000 },
  );
  try {
    expect(result.stoppedBy).toBe('agent-auth');
    const attempts = result.store.attempts.forRun(result.runId);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ outcome: 'error', failure_kind: 'auth' });
    expect(attempts[0]?.reason).toContain('invalid_api_key');
    // Neither the stall time nor the attempt timeout was waited for.
    expect(seconds(attempts[0]!)).toBeLessThan(300);
    expect(result.store.units.get(result.runId, 'a')?.strikes).toBe(0);
  } finally {
    result.store.close();
  }
});

it('ends an attempt that only prints Reconnecting... as stalled after stallMs, no strike, long before its timeout', async () => {
  repo = makeRepo();
  const { result } = await runMission(
    repo,
    { units: [{ id: 'offline', title: 'no network', prompt: '@scenario offline' }] },
    {
      agent: codexAgent(argvLog()),
      stallMs: 1500,
      retryBackoffMs: 0,
      attemptTimeoutMs: 600_000,
      maxAttempts: 1,
      rounds: { max: 1 },
    },
  );
  try {
    const attempts = result.store.attempts.forRun(result.runId);
    // maxAttempts is 1: a second attempt shows the stall cost no strike.
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    for (const attempt of attempts) {
      expect(attempt).toMatchObject({ outcome: 'error', failure_kind: 'stalled' });
      expect(attempt.reason).toContain(
        'the last: "Reconnecting... waiting for network (Connection failed: error sending request)"',
      );
      expect(attempt.session_id).toMatch(/^01a22946-/);
      expect(seconds(attempt)).toBeLessThan(300);
    }
    expect(result.store.units.get(result.runId, 'offline')?.status).not.toBe('failed');
  } finally {
    result.store.close();
  }
});

it('judges a rate limit as infrastructure, a crash mid-stream and an exit 0 without a turn as failures', async () => {
  repo = makeRepo();
  const { result } = await runMission(
    repo,
    {
      units: [
        { id: 'limited', title: 'rate limited', prompt: '@scenario rate-limited' },
        { id: 'crash', title: 'crashes mid-stream', prompt: '@scenario crash' },
        { id: 'silent', title: 'exits 0 with nothing', prompt: '@scenario silent-exit' },
      ],
    },
    { agent: codexAgent(argvLog()), concurrency: 3, retryBackoffMs: 0, maxAttempts: 1, rounds: { max: 1 } },
  );
  try {
    const attempts = result.store.attempts.forRun(result.runId);
    const of = (unit: string) => attempts.filter((attempt) => attempt.unit_id === unit);
    expect(of('limited').length).toBeGreaterThanOrEqual(2);
    for (const attempt of of('limited')) {
      expect(attempt).toMatchObject({ outcome: 'error', failure_kind: 'rate-limit' });
      expect(attempt.reason).toContain('exceeded retry limit, last status: 429 Too Many Requests');
    }
    expect(of('crash')).toHaveLength(1);
    expect(of('crash')[0]).toMatchObject({ outcome: 'failed', failure_kind: 'crashed', exit_code: 101 });
    expect(of('crash')[0]?.reason).toMatch(/^the agent crashed: "/);
    expect(of('silent')).toHaveLength(1);
    expect(of('silent')[0]).toMatchObject({ outcome: 'failed', failure_kind: 'crashed', exit_code: 0 });
    expect(of('silent')[0]?.reason).toContain('before completing a turn');
    expect(result.store.units.get(result.runId, 'crash')?.status).toBe('failed');
    expect(result.store.units.get(result.runId, 'silent')?.status).toBe('failed');
  } finally {
    result.store.close();
  }
});

it('builds a resume argv the CLI accepts, and reads the resumed thread back as the session', async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-codex-resume-'));
  const agent = AgentSchema.parse({ kind: 'codex', command: FAKE_CODEX, model: 'gpt-5-codex' });
  const invocation = buildInvocation(agent, {
    prompt: '@scenario success\nThe check failed; continue.',
    promptFile: path.join(scratch, 'prompt.md'),
    workdir: scratch,
    unitId: 'u1',
    attempt: 2,
    resumeSessionId: '01a22946-304e-7a03-97a9-d90daf1909fd',
  });
  expect(invocation.args).toEqual([
    'exec',
    '--json',
    '--sandbox',
    'workspace-write',
    '--model',
    'gpt-5-codex',
    'resume',
    '01a22946-304e-7a03-97a9-d90daf1909fd',
    '-',
  ]);
  const result = await runSupervised({
    command: invocation.command,
    args: invocation.args,
    cwd: scratch,
    stdinText: invocation.stdinText,
    timeoutMs: 60_000,
    onLine: (line) => {
      invocation.stream.read(line);
    },
  });
  expect(result.exitCode).toBe(0);
  const summary = invocation.stream.finish({ exitCode: result.exitCode });
  expect(summary).toMatchObject({ sessionId: '01a22946-304e-7a03-97a9-d90daf1909fd', failure: null });
});

it('a warm retry whose session is gone costs no strike, and the next attempt starts cold', async () => {
  repo = makeRepo();
  const log = argvLog();
  const { result } = await runMission(
    repo,
    { units: [{ id: 'gone', title: 'session gone', prompt: 'write files/gone.txt' }] },
    {
      agent: {
        ...codexAgent(log),
        env: { FAKE_CODEX_ARGV_LOG: log, FAKE_CODEX_SCENARIO: 'fail-then-resume-gone' },
      },
      maxAttempts: 2,
      rounds: { max: 3 },
    },
  );
  try {
    const attempts = result.store.attempts.forRun(result.runId);
    expect(attempts.map((attempt) => [attempt.start_mode, attempt.outcome])).toEqual([
      ['cold', 'failed'],
      ['warm', 'error'],
      ['cold', 'handed-off'],
    ]);
    expect(attempts[1]?.reason).toContain('could not resume session');
    expect(attempts[1]?.reason).toContain('no rollout found for thread id');
    const argvs = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(argvs[1]).toContain('"resume"');
    expect(argvs[2]).not.toContain('"resume"');
    // One strike (the agent's own failure), not two: maxAttempts 2 would have failed the unit.
    expect(result.store.units.get(result.runId, 'gone')).toMatchObject({ status: 'done', strikes: 1 });
  } finally {
    result.store.close();
  }
});
