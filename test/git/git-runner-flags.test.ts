import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scriptedAgentPath } from '../../src/workers/scripted-agent-path.js';

/** The built git runner (dist/src/git/git-runner.js), as a supervisor started from dist loads it. */
const runnerModule = join(dirname(scriptedAgentPath()), '..', 'git', 'git-runner.js');

describe("gaffer's helpers under node's own flags", () => {
  it('runs git from a supervisor started with --input-type=module', () => {
    const script = [
      `import { runGitProcess } from ${JSON.stringify(runnerModule)};`,
      `const result = await runGitProcess({ args: ['--version'], cwd: process.cwd(), env: process.env, input: '', maxBuffer: 1 << 20 });`,
      `process.stdout.write(JSON.stringify(result));`,
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const result = JSON.parse(out) as { exitCode: number; stdout: string };
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^git version \d/);
  });
});
