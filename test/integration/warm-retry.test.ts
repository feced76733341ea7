import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { cleanup, filesOn, makeRepo, runMission } from './mission-fixture.js';

/**
 * A warm retry end to end, with a stand-in for Claude Code that prints its
 * real stream-json events (system/init with a session id, the result) and
 * records its argv. Its first attempt writes a BROKEN file: the merge check
 * rejects it as red, a failure its session can fix, so the second attempt
 * resumes that session (`--resume <id>`) with a continuation prompt, and
 * merges. It relies on the Claude Code adapter reading the session id from
 * the stream and passing `--resume` (src/workers/agents/claude.ts).
 */
const recorder = fileURLToPath(new URL('../fixtures/agents/claude-session-recorder', import.meta.url));

let repo = '';
afterEach(() => cleanup(repo));

it('after a red merge the next attempt resumes the session with --resume and a continuation prompt', async () => {
  repo = makeRepo();
  const { result, events, config } = await runMission(
    repo,
    { units: [{ id: 'fix', title: 'Write the fix', prompt: 'Write files/fix.txt.' }] },
    { maxAttempts: 3, rounds: { max: 3 }, concurrency: 1, agent: { kind: 'claude', command: recorder } },
  );
  try {
    const attempts = result.store.attempts.forRun(result.runId);
    const session = attempts[0]?.session_id;
    expect(session).toBe('00000001-5e55-4000-8000-fix000000000');
    expect(attempts.map((attempt) => [attempt.number, attempt.outcome, attempt.start_mode])).toEqual([
      [1, 'handed-off', 'cold'],
      [2, 'handed-off', 'warm'],
    ]);
    expect(attempts[1]?.start_reason).toBe(
      `after attempt 1: merge rejected: red; resumes its session ${session}`,
    );
    expect(
      result.store.merges.forRun(result.runId).map((merge) => [merge.status, merge.reject_class]),
    ).toEqual([
      ['rejected', 'red'],
      ['merged', null],
    ]);
    expect(filesOn(repo, 'gaffer/working')).toEqual(['base.txt', 'fix.txt']);

    const prompts = path.join(config.stateDir, 'prompts', `run-${result.runId}`);
    const argvOf = (attempt: number): string[] =>
      JSON.parse(
        fs.readFileSync(path.join(prompts, `fix-attempt-${attempt}.md.argv.json`), 'utf8'),
      ) as string[];
    expect(argvOf(1)).not.toContain('--resume');
    const second = argvOf(2);
    expect(second[second.indexOf('--resume') + 1]).toBe(session);
    const continuation = fs.readFileSync(path.join(prompts, 'fix-attempt-2.md'), 'utf8');
    expect(continuation.startsWith('# Write the fix (unit fix): continue\n')).toBe(true);
    expect(continuation).toContain('Attempt 1: merge rejected: red.');
    expect(continuation).toContain('    FAIL files/fix.txt contains BROKEN');
    expect(continuation).not.toContain('Write files/fix.txt.');
    const started = events.filter((event) => event.type === 'attempt:started').map((event) => event.payload);
    expect(started.map((payload) => payload.startMode)).toEqual(['cold', 'warm']);
  } finally {
    result.store.close();
  }
});
