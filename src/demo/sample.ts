import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfigInput } from '../config/schema.js';
import { git } from '../git/git.js';
import type { PlanInput } from '../plan/schema.js';

/**
 * The embedded sample: a small JavaScript project with node:test tests, and a
 * plan for the scripted agent that shows every path of a mission: a dependency
 * chain, parallel units, a retry that succeeds, a unit that fails for good and
 * blocks its dependent, and a branch the merge gate rejects for breaking tests.
 */
export interface Sample {
  root: string;
  repo: string;
  configPath: string;
  planPath: string;
}

const files: Record<string, string> = {
  'package.json': `${JSON.stringify({ name: 'sample-calc', version: '1.0.0', type: 'module', scripts: { test: 'node --test' } }, null, 2)}\n`,
  'README.md': "# sample-calc\n\nA tiny library that gaffer's demo agents grow, one unit at a time.\n",
  'src/greet.js': 'export function greet(name) {\n  return `Hello, ${name}!`;\n}\n',
  'test/greet.test.js':
    "import test from 'node:test';\nimport assert from 'node:assert/strict';\nimport { greet } from '../src/greet.js';\n\n" +
    "test('greets by name', () => {\n  assert.equal(greet('Ada'), 'Hello, Ada!');\n});\n",
};

/** A file as one `@write` directive: newlines become `\n` escapes. */
function write(file: string, content: string): string {
  return `@write ${file} ${content.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replace(/\\n$/, '')}`;
}

function testFile(module: string, imports: string, body: string): string {
  return `import test from 'node:test';\nimport assert from 'node:assert/strict';\nimport { ${imports} } from '../src/${module}.js';\n\n${body}\n`;
}

function agentSteps(...steps: string[]): string {
  return steps.join('\n');
}

export const samplePlan: PlanInput = {
  name: 'sample-calc',
  units: [
    {
      id: 'math-core',
      title: 'Add the core arithmetic module',
      prompt: agentSteps(
        'Create src/math.js with add, sub and mul, with tests.',
        '@print 12 reading the codebase',
        '@cost 0.04 8200 610',
        '@sleep 600',
        write(
          'src/math.js',
          'export const add = (a, b) => a + b;\nexport const sub = (a, b) => a - b;\nexport const mul = (a, b) => a * b;\n',
        ),
        write(
          'test/math.test.js',
          testFile(
            'math',
            'add, sub, mul',
            "test('arithmetic', () => {\n  assert.equal(add(2, 3), 5);\n  assert.equal(sub(2, 3), -1);\n  assert.equal(mul(2, 3), 6);\n});",
          ),
        ),
        '@commit Add core arithmetic',
        '@handoff done Added add, sub and mul with tests',
      ),
    },
    {
      id: 'math-divide',
      title: 'Add division that refuses zero',
      depends_on: ['math-core'],
      prompt: agentSteps(
        'Add div to src/math.js; dividing by zero throws.',
        '@print 8 planning the change',
        '@cost 0.03 6100 420',
        '@sleep 400',
        "@append src/math.js export const div = (a, b) => {\\n  if (b === 0) throw new RangeError('division by zero');\\n  return a / b;\\n};",
        write(
          'test/divide.test.js',
          testFile(
            'math',
            'div',
            "test('divides', () => {\n  assert.equal(div(6, 3), 2);\n  assert.throws(() => div(1, 0), RangeError);\n});",
          ),
        ),
        '@commit Add division',
        '@handoff done Added div',
      ),
    },
    {
      id: 'stats',
      title: 'Add mean and sum over lists',
      depends_on: ['math-divide'],
      prompt: agentSteps(
        'Create src/stats.js (sum, mean) on top of src/math.js.',
        '@print 10 looking at math.js',
        '@cost 0.05 9400 700',
        '@sleep 500',
        write(
          'src/stats.js',
          "import { add, div } from './math.js';\n\nexport const sum = (values) => values.reduce(add, 0);\nexport const mean = (values) => div(sum(values), values.length);\n",
        ),
        write(
          'test/stats.test.js',
          testFile(
            'stats',
            'sum, mean',
            "test('sum and mean', () => {\n  assert.equal(sum([1, 2, 3]), 6);\n  assert.equal(mean([2, 4]), 3);\n});",
          ),
        ),
        '@commit Add sum and mean',
        '@handoff done Added stats',
      ),
    },
    {
      id: 'strings',
      title: 'Add string helpers',
      prompt: agentSteps(
        'Create src/strings.js (capitalize). The first attempt crashes; the retry succeeds.',
        '@print 6 warming up',
        '@cost 0.02 4300 350',
        '@fail-first 1',
        '@sleep 300',
        write(
          'src/strings.js',
          'export const capitalize = (text) => text.charAt(0).toUpperCase() + text.slice(1);\n',
        ),
        write(
          'test/strings.test.js',
          testFile(
            'strings',
            'capitalize',
            "test('capitalizes', () => {\n  assert.equal(capitalize('ada'), 'Ada');\n});",
          ),
        ),
        '@commit Add capitalize',
        '@handoff done Added capitalize',
      ),
    },
    {
      id: 'dates',
      title: 'Add date formatting',
      prompt: agentSteps(
        'Add src/dates.js. This agent fails on every attempt, so its dependent is blocked.',
        '@print 4 searching for a date library',
        '@cost 0.03 5200 380',
        '@stderr error: no date library is available offline',
        '@sleep 200',
        '@exit 1',
      ),
    },
    {
      id: 'calendar',
      title: 'Add a month calendar on top of dates',
      depends_on: ['dates'],
      prompt: agentSteps(
        'Render a month calendar using src/dates.js.',
        write('src/calendar.js', 'export const calendar = () => [];\n'),
        '@commit Add calendar',
      ),
    },
    {
      id: 'greeting',
      title: 'Make greetings friendlier',
      prompt: agentSteps(
        'Change the greeting. The first attempt breaks the tests and is rejected by the merge gate; the retry reads the feedback and keeps them green.',
        '@print 6 editing greet.js',
        '@cost 0.02 3900 300',
        '@sleep 300',
        '@attempt 1 @write src/greet.js export function greet(name) {\\n  return `Hi ${name}`;\\n}',
        '@attempt 2 @write src/greet.js export function greet(name) {\\n  return `Hello, ${name}!`;\\n}\\n\\nexport const wave = (name) => `${greet(name)} 👋`;',
        '@attempt 3 @write src/greet.js export function greet(name) {\\n  return `Hello, ${name}!`;\\n}\\n\\nexport const wave = (name) => `${greet(name)} 👋`;',
        '@commit Friendlier greeting',
        '@handoff done Changed the greeting',
      ),
    },
    {
      id: 'report',
      title: 'Add a summary report over stats and strings',
      depends_on: ['stats', 'strings'],
      prompt: agentSteps(
        'Create src/report.js using stats and strings.',
        '@print 10 composing',
        '@cost 0.04 7600 540',
        '@sleep 400',
        write(
          'src/report.js',
          "import { mean } from './stats.js';\nimport { capitalize } from './strings.js';\n\nexport const report = (name, values) => `${capitalize(name)}: mean ${mean(values)}`;\n",
        ),
        write(
          'test/report.test.js',
          testFile(
            'report',
            'report',
            "test('reports', () => {\n  assert.equal(report('scores', [1, 3]), 'Scores: mean 2');\n});",
          ),
        ),
        '@commit Add report',
        '@handoff done Added report',
      ),
    },
  ],
};

export function sampleConfig(): ConfigInput {
  return {
    repo: 'sample',
    plan: 'plan.json',
    concurrency: 3,
    maxAttempts: 3,
    attemptTimeoutMs: 60_000,
    agent: { kind: 'scripted' },
    checks: [
      { name: 'tests', command: [process.execPath, '--test'], timeoutMs: 60_000, parser: 'node-test' },
    ],
    rounds: { max: 3 },
  };
}

/** Writes the sample repository, plan and config into a new folder (a temporary one by default). */
export async function createSample(root?: string): Promise<Sample> {
  const base = root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-demo-'));
  const repo = path.join(base, 'sample');
  fs.mkdirSync(repo, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), content);
  }
  await git(repo, ['init', '--quiet', '--initial-branch=main']);
  await git(repo, ['config', 'user.name', 'gaffer demo']);
  await git(repo, ['config', 'user.email', 'demo@gaffer.invalid']);
  await git(repo, ['add', '-A']);
  await git(repo, ['commit', '--quiet', '-m', 'Initial sample project']);
  const planPath = path.join(base, 'plan.json');
  fs.writeFileSync(planPath, `${JSON.stringify(samplePlan, null, 2)}\n`);
  const configPath = path.join(base, 'gaffer.json');
  fs.writeFileSync(configPath, `${JSON.stringify(sampleConfig(), null, 2)}\n`);
  return { root: base, repo, configPath, planPath };
}
