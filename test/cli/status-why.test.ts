import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeSandbox, removeTempDir, runCli, runGaffer, type Sandbox } from '../helpers/cli.js';

let sandbox: Sandbox | undefined;

/** A node:test file whose tests throw: twelve at the base, so the names are more than status lists. */
function failingTests(names: readonly string[]): string {
  return [
    "import test from 'node:test';",
    ...names.map(
      (name) => `test(${JSON.stringify(name)}, () => { throw new Error('broken before the run'); });`,
    ),
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

interface StatusJson {
  run: { status: string; reason: string; spend: { costUsd: number | null; inputTokens: number } };
  units: {
    id: string;
    status: string;
    reason: string;
    spend: { costUsd: number | null };
    attempts: {
      number: number;
      outcome: string;
      merge: { id: number; status: string; class: string | null } | null;
    }[];
  }[];
  mergeQueue: { id: number; unit: string; status: string; class: string | null; detail: string }[];
  health: StatusSnapshotJson | null;
  baseline: StatusSnapshotJson | null;
}

interface StatusSnapshotJson {
  commit: string;
  label: string;
  round: number | null;
  checks: {
    name: string;
    gate: boolean;
    parser?: string;
    counts?: { passed: number; failed: number };
    failing?: string[];
    failingCount?: number;
  }[];
}

/** `gaffer status` as a pipe sees it, with COLUMNS as given (undefined: not set). */
async function status(columns: string | undefined, ...extra: string[]) {
  return runCli(['status', '--config', (sandbox as Sandbox).configPath, ...extra], {
    env: { COLUMNS: columns },
  });
}

describe('gaffer status on a run where a unit failed its merges against a red test suite', () => {
  beforeAll(async () => {
    sandbox = setUp();
    const run = await runGaffer(sandbox);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('1 failed (breaker)');
  });
  afterAll(() => removeTempDir(sandbox?.root));

  it('wraps each reason whole to COLUMNS, continuation lines hung under the reason', async () => {
    const json = JSON.parse((await status(undefined, '--json')).stdout) as StatusJson;
    const reason = json.units.find((unit) => unit.id === 'breaker')?.reason ?? '';
    expect(reason.length).toBeGreaterThan(40);

    const text = await status('60');
    expect(text.exitCode).toBe(0);
    expect(text.stderr).toBe('');
    const lines = text.stdout.split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(60);
    const first = lines.findIndex((line) => line.startsWith('  breaker  failed   '));
    expect(first).toBeGreaterThan(0);
    const hang = ' '.repeat('  breaker  failed   '.length);
    const continued = [];
    for (let index = first + 1; lines[index]?.startsWith(hang); index += 1) continued.push(lines[index]);
    // The reason does not fit in 60 columns: it goes on under the column it started in, and nothing is cut.
    expect(continued.length).toBeGreaterThan(0);
    expect(
      [lines[first]?.slice(hang.length), ...continued.map((line) => line?.slice(hang.length))].join(' '),
    ).toBe(reason);
  });

  it("names each attempt's outcome and the failing test its merge was rejected for", async () => {
    const text = (await status('200')).stdout;
    expect(text).toMatch(/\n {13}attempts: #1 rejected \(regression\) · #2 rejected \(regression\)\n/);
    expect(text).toMatch(
      /#2 \(round 2\) handed-off: .*\n +merge #\d rejected \(regression\): this change breaks tests: test\/new\.test\.mjs > breaks on purpose/,
    );
    expect(text).toMatch(/ {2}good +done +\[\$0\.25 1\.6k tok\] merged into gaffer\/working/);
    expect(text).toMatch(/attempts: #1 merged\n/);
    // The check's quoted output is named, not word-wrapped; the JSON has it.
    expect(text).toContain('check "tests" (exit 1): its last');
    expect(text).not.toContain('# fail 13');
  });

  it("shows each check's parsed counts and the first ten failing tests by name, for working and the baseline", async () => {
    const text = (await status(undefined)).stdout;
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    const health = text.slice(text.indexOf('\nhealth\n'));
    expect(health).toMatch(/working branch, end of round 2, at [0-9a-f]{10}: failing/);
    expect(health).toMatch(/the run's baseline at [0-9a-f]{10}: failing/);
    const counted = health.match(/tests: FAIL \(exit 1\), node-test: 1 passed, 12 failed/g);
    expect(counted).toHaveLength(2);
    const named = health.replace(/\n +/g, ' ');
    expect(named).toContain(
      `failing: ${LEGACY.slice(0, 10)
        .map((name) => `test/legacy.test.mjs > ${name}`)
        .join(', ')}, and 2 more`,
    );
    expect(named).not.toContain('legacy 11');
  });

  it('carries reasons, details, counts, attempt verdicts and cost whole in --json', async () => {
    const result = await status('60', '--json');
    expect(result.exitCode).toBe(0);
    const json = JSON.parse(result.stdout) as StatusJson;
    expect(json.run.spend).toMatchObject({ costUsd: 0.25, inputTokens: 1500 });
    expect(json.units.map((unit) => [unit.id, unit.status, unit.spend.costUsd])).toEqual([
      ['good', 'done', 0.25],
      ['breaker', 'failed', null],
    ]);
    const breaker = json.units.find((unit) => unit.id === 'breaker');
    expect(
      breaker?.attempts.map((attempt) => [attempt.number, attempt.merge?.status, attempt.merge?.class]),
    ).toEqual([
      [1, 'rejected', 'regression'],
      [2, 'rejected', 'regression'],
    ]);
    const rejected = json.mergeQueue.filter((merge) => merge.status === 'rejected');
    expect(rejected).toHaveLength(2);
    // The detail keeps the check's output tail, line breaks and all.
    for (const merge of rejected) expect(merge.detail).toMatch(/breaks on purpose[\s\S]*\n# fail 13\n/);
    const main = git((sandbox as Sandbox).repo, 'rev-parse', 'main').trim();
    expect(json.baseline).toMatchObject({ commit: main, label: 'baseline', round: null });
    expect(json.health).toMatchObject({ label: 'round', round: 2 });
    for (const snapshot of [json.health, json.baseline]) {
      const tests = snapshot?.checks[0];
      expect(tests).toMatchObject({
        name: 'tests',
        gate: true,
        parser: 'node-test',
        counts: { passed: 1, failed: 12 },
        failingCount: 12,
      });
      expect(tests?.failing).toEqual(LEGACY.slice(0, 10).map((name) => `test/legacy.test.mjs > ${name}`));
    }
  });

  it('ignores a COLUMNS that is no number, saying so, and wraps to 100', async () => {
    const result = await status('wide');
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('ignoring COLUMNS="wide"');
    expect(result.stderr).toContain('wrapping to 100');
    expect(result.stdout).toBe((await status(undefined)).stdout);
  });
});
