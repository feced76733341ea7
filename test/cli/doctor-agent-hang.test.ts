import { describe, expect, it } from 'vitest';
import { AgentSchema } from '../../src/config/schema.js';
import { checkAgent } from '../../src/workers/agents/doctor.js';
import { makeTempDir, removeTempDir } from '../helpers/cli.js';
import { FAKE_CLAUDE } from './doctor-fixture.js';

// The bound is 10 s so a loaded machine still starts the fake's `--version` well within it.
describe('gaffer doctor: an agent status command that never answers', () => {
  it('is ended at the bound and reported as a warning, not as "not logged in"', async () => {
    const home = makeTempDir();
    try {
      const agent = AgentSchema.parse({
        kind: 'claude',
        command: FAKE_CLAUDE,
        env: { FAKE_CLAUDE_DOCTOR_HANG: '1' },
      });

      const lines = await checkAgent(agent, {
        cwd: home,
        supervisorEnv: { PATH: process.env.PATH, HOME: home },
        timeoutMs: 10_000,
      });

      expect(lines).toEqual([
        { level: 'ok', text: `agent claude: ${FAKE_CLAUDE} 2.1.197 (tested)` },
        {
          level: 'warn',
          text: expect.stringMatching(
            /^agent claude: could not tell whether it is logged in \(`.*fake-claude-doctor auth status` did not answer within 10 s\) and found no key in its environment nor .*\.credentials\.json; if attempts fail with "Not logged in": run /,
          ) as unknown,
        },
      ]);
    } finally {
      removeTempDir(home);
    }
  }, 60_000);

  it('with a key in its environment, the hang still leaves it logged in by the key', async () => {
    const home = makeTempDir();
    try {
      const agent = AgentSchema.parse({
        kind: 'claude',
        command: FAKE_CLAUDE,
        env: { FAKE_CLAUDE_DOCTOR_HANG: '1' },
      });

      const lines = await checkAgent(agent, {
        cwd: home,
        supervisorEnv: { PATH: process.env.PATH, HOME: home, ANTHROPIC_API_KEY: 'sk-ant-hangtest' },
        timeoutMs: 10_000,
      });

      expect(lines[1]?.level).toBe('ok');
      expect(lines[1]?.text).toMatch(
        /^agent claude: ANTHROPIC_API_KEY is in its environment \(`.*` did not answer within 10 s\)$/,
      );
    } finally {
      removeTempDir(home);
    }
  }, 60_000);
});
