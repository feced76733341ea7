import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { runCli, runGaffer, useSandbox, type Sandbox } from '../helpers/cli.js';

/**
 * A hostile agent (a tiny node program, run as a `command` agent by the built
 * CLI) prints terminal control sequences and secrets; a hostile plan name
 * carries some too. Nothing of either may reach the operator's terminal, in
 * any output gaffer has, while the attempt's log file keeps the raw bytes
 * (with the secrets redacted).
 */

const ESC = '\u001b';
const BEL = '\u0007';
/** What a terminal would act on: C0 but tab and newline, DEL, C1. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const DB_PASSWORD = 'S3cretDbPw';
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.Zm9yZ2Vk';
const COOKIE = 'Ch0c0l4teChip';
const SECRETS = [DB_PASSWORD, BEARER, COOKIE];

const AGENT = `
const ESC = '\\u001b', BEL = '\\u0007';
console.log('title ' + ESC + ']0;pwned' + BEL + 'then ' + ESC + '[2J' + 'cleared');
console.log('db at postgres://admin:${DB_PASSWORD}@db/prod');
console.log('Authorization: Bearer ${BEARER}');
console.error('Cookie: session=${COOKIE}; theme=dark');
console.log('3 tests FAILED\\rall checks passed\\b\\b' + ESC + 'P+q544e' + ESC + '\\\\');
// Escapes inside the handoff's JSON: decoded, they reach the attempt's reason as real bytes.
console.log('GAFFER_RESULT ' + JSON.stringify({
  status: 'failed',
  summary: ESC + ']0;pwned' + BEL + ESC + '[2Jgave up on postgres://admin:${DB_PASSWORD}@db/prod',
}));
`;

function arrange(sandbox: Sandbox): void {
  const agent = path.join(sandbox.root, 'hostile-agent.cjs');
  fs.writeFileSync(agent, AGENT);
  sandbox.writeConfig({
    agent: { kind: 'command', command: process.execPath, args: [agent], prompt: 'file' },
    maxAttempts: 1,
    rounds: { max: 1 },
  });
  sandbox.writePlan({
    name: `${ESC}]0;pwned${BEL}hostile`,
    units: [{ id: 'hostile', title: `${ESC}[2Jprints escapes`, prompt: 'print things' }],
  });
}

function expectNothingRaw(output: string, what: string): void {
  expect(output, what).not.toMatch(CONTROL);
  for (const secret of SECRETS) expect(output, `${what} shows ${secret}`).not.toContain(secret);
}

/** Every string in a parsed JSON value. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, field]) => [key, ...stringsOf(field)]);
  return [];
}

interface StatusJson {
  units: { reason: string; attempts: { reason: string; log: string }[] }[];
}

describe('output an agent printed reaches the terminal as text only', () => {
  const sandbox = useSandbox();

  it('headless --verbose, gaffer status and its JSON show no control byte and no secret; the log keeps the raw bytes', async () => {
    arrange(sandbox());

    const run = await runGaffer(sandbox(), '--verbose');

    expect(run.exitCode, run.stderr + run.stdout).toBe(ExitCode.unitsUnfinished);
    expectNothingRaw(run.stdout, 'run stdout');
    expectNothingRaw(run.stderr, 'run stderr');
    // The lines were shown, as text: the escapes gone, the secrets masked.
    expect(run.stdout).toContain('title then cleared');
    expect(run.stdout).toContain('db at postgres://admin:[REDACTED]@db/prod');
    expect(run.stdout).toContain('Authorization: Bearer [REDACTED]');
    expect(run.stdout).toContain('Cookie: session=[REDACTED]; theme=[REDACTED]');
    // A carriage return cannot overwrite the verdict before it: both parts stay visible.
    expect(run.stdout).toMatch(/3 tests FAILED\s+all checks passed/);
    expect(run.stdout).toContain('plan "hostile"');
    expect(run.stdout).toContain('the agent reported failed: gave up on postgres://admin:[REDACTED]@db/prod');

    const text = await runCli(['status', '--config', sandbox().configPath]);
    expect(text.exitCode, text.stderr).toBe(ExitCode.ok);
    expectNothingRaw(text.stdout, 'status');
    expect(text.stdout).toContain('run #1 of plan "hostile"');
    // Reasons wrap to the width (100 in a pipe): read them with the line breaks folded back.
    expect(text.stdout.replace(/\n +/g, ' ')).toContain(
      'the agent reported failed: gave up on postgres://admin:[REDACTED]@db/prod',
    );

    const json = await runCli(['status', '--config', sandbox().configPath, '--json']);
    expect(json.exitCode, json.stderr).toBe(ExitCode.ok);
    expectNothingRaw(json.stdout, 'status --json');
    const status = JSON.parse(json.stdout) as StatusJson;
    for (const field of stringsOf(status))
      expectNothingRaw(field, `status --json field ${JSON.stringify(field)}`);
    const [attempt] = status.units[0]?.attempts ?? [];
    expect(attempt?.reason).toBe('the agent reported failed: gave up on postgres://admin:[REDACTED]@db/prod');

    // The log is the record: raw bytes, secrets masked.
    const log = fs.readFileSync(attempt?.log ?? '', 'utf8');
    expect(log).toContain(`title ${ESC}]0;pwned${BEL}then ${ESC}[2Jcleared`);
    expect(log).toContain('postgres://admin:[REDACTED]@db/prod');
    expect(log).toContain('Authorization: Bearer [REDACTED]');
    expect(log).toContain('Cookie: session=[REDACTED]');
    for (const secret of SECRETS) expect(log).not.toContain(secret);
  });

  it('headless --json: no string field of any event carries a control byte or a secret', async () => {
    arrange(sandbox());

    const run = await runGaffer(sandbox(), '--json', '--verbose');

    expect(run.exitCode, run.stderr + run.stdout).toBe(ExitCode.unitsUnfinished);
    expectNothingRaw(run.stdout, 'run stdout');
    expectNothingRaw(run.stderr, 'run stderr');
    const lines = run.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { type: string; line?: string });
    // The closing summary line is written by the run command itself (src/commands/run.ts), not
    // by the headless reporter: its fields are checked as bytes above, the events' one by one here.
    const events = lines.filter((event) => event.type !== 'summary');
    expect(events.length).toBe(lines.length - 1);
    const outputs = events.filter((event) => event.type === 'worker:output').map((event) => event.line);
    expect(outputs).toContain('title then cleared');
    expect(outputs).toContain('Authorization: Bearer [REDACTED]');
    for (const field of stringsOf(events)) expectNothingRaw(field, `event field ${JSON.stringify(field)}`);
  });

  it('an error message the CLI prints loses its control bytes too', async () => {
    const state = path.join(sandbox().root, `state${ESC}]0;pwned${BEL}${ESC}[2J`);

    const result = await runCli(['status', '--state', state], { cwd: sandbox().root });

    expect(result.exitCode).toBe(ExitCode.state);
    expect(result.stderr).toMatch(/^gaffer: no state database at .*state/);
    expect(result.stderr).not.toMatch(CONTROL);
  });
});
