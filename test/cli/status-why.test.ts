import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { git, makeSandbox, removeTempDir, runCli, runGaffer, type Sandbox } from '../helpers/cli.js';

let sandbox: Sandbox | undefined;
afterEach(() => removeTempDir(sandbox?.root));

/** A node:test file whose tests throw: twelve at the base, so the names are more than status lists. */
function failingTests(names: readonly string[]): string {
  return [
    "import test from 'node:test';",
    ...names.map((name) => `test(${JSON.stringify(name)}, () => { throw new Error('broken before the run'); });`),
  ].join('\n');
}

const LEGACY = Array.from({ length: 12 }, (_, index) => `legacy ${String(index + 1).padStart(2, '0')}`);

function setUp(): Sandbox {
  const made = makeSandbox();
  fs.mkdirSync(path.join(made.repo, 'test'));
  fs.writeFileSync(path.join(made.repo, 'test', 'legacy.test.mjs'), `${failingTests(LEGACY)}\n`);
  fs.writeFileSync(
    path.join(made.repo, 'test', 'ok.test.mjs'),
    "import test from 'node:test';\ntest('still fine', () => {});\n",
  );
  git(made.repo, 'add', '-A');
  git(made.repo, 'commit', '-q', '-m', 'tests, twelve of them already failing');
  made.writeConfig({
    maxAttempts: 2,
    rounds: { max: 2 },
    discovery: { mode: 'off' },
    fixup: 'off',
    checks: [
      {
        name: 'tests',
        command: [process.execPath, '--test', 'test/'],
        parser: 'node-test',
        timeoutMs: 60_000,
      },
    ],
  });
  made.writePlan({
    name: 'why',
    units: [
      {
        id: 'good',
        title: 'adds a file',
        prompt: '@write files/good.txt good\n@cost 0.25 1500 150\n@commit good',
      },
      {
        id: 'breaker',
        title: 'breaks a test',
        prompt: [
          `@write test/new.test.mjs import test from 'node:test'; test('breaks on purpose', () => { throw new Error('boom'); });`,
          '@commit a test that fails',
        ].join('\n'),
      },
    ],
  });
  return made;
}

it('draft', async () => {
  sandbox = setUp();
  const run = await runGaffer(sandbox);
  console.log(run.exitCode, run.stdout, run.stderr);
  const text = await runCli(['status', '--config', sandbox.configPath], { env: { COLUMNS: '60' } });
  console.log(text.stdout, text.stderr);
  const json = await runCli(['status', '--config', sandbox.configPath, '--json']);
  console.log(json.stdout);
});
