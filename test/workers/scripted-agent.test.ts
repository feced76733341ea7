import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scriptedStream } from '../../src/workers/agents/scripted.js';
import { extractHandoff } from '../../src/workers/handoff.js';
import { scriptedAgentPath } from '../../src/workers/scripted-agent-path.js';
import { runSupervised } from '../../src/workers/supervised-process.js';

let repo: string;
beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'gaffer-agent-'));
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Gaffer Test');
  git('config', 'user.email', 'test@gaffer.invalid');
  git('config', 'commit.gpgsign', 'false');
  writeFileSync(join(repo, 'README.md'), 'base\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
});
afterEach(() => {
  rmSync(repo, { recursive: true, force: true });
});

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
}

function subjects(): string[] {
  return git('log', '--format=%s').trim().split('\n');
}

function read(path: string): string {
  return readFileSync(join(repo, path), 'utf8');
}

async function runAgent(prompt: string | undefined, env: Record<string, string> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const result = await runSupervised({
    command: process.execPath,
    args: [scriptedAgentPath()],
    cwd: repo,
    env: { GAFFER_ATTEMPT: '1', GAFFER_UNIT_ID: 'u1', ...env },
    ...(prompt !== undefined ? { stdinText: prompt } : {}),
    timeoutMs: 30_000,
    onLine: (line, stream) => (stream === 'stdout' ? stdout : stderr).push(line),
  });
  return { result, stdout, stderr, handoff: extractHandoff(stdout.join('\n')) };
}

describe('scripted agent', () => {
  it('writes, commits and hands off; free text and indented feedback are ignored', async () => {
    const prompt = [
      'Implement the parser. This line is free text, @not a directive either.',
      '@write src/parser.js export const parse = (s) =>\\n\\ts.split(",");',
      '@write notes/todo.txt first',
      '@append notes/todo.txt second',
      '@commit add parser',
      '@write scratch.txt temporary',
      '@delete scratch.txt',
      '@write src/extra.js export {};',
      '@commit add extra',
      'Feedback from attempt 1:',
      '    @write injected.txt feedback must never run',
      '@handoff done parser and extra added',
    ].join('\n');
    const { result, stdout, handoff } = await runAgent(prompt);

    expect(result.outcome).toBe('exited');
    expect(result.exitCode).toBe(0);
    expect(read('src/parser.js')).toBe('export const parse = (s) =>\n\ts.split(",");\n');
    expect(read('notes/todo.txt')).toBe('first\nsecond\n');
    expect(existsSync(join(repo, 'scratch.txt'))).toBe(false);
    expect(existsSync(join(repo, 'injected.txt'))).toBe(false);
    expect(subjects()).toEqual(['add extra', 'add parser', 'initial']);
    expect(git('status', '--porcelain')).toBe('');
    expect(stdout).toContain('[agent] writing src/parser.js');

    if (handoff.status !== 'valid') throw new Error(JSON.stringify(handoff));
    expect(handoff.handoff.status).toBe('done');
    expect(handoff.handoff.summary).toBe('parser and extra added');
    expect(handoff.handoff.commits).toEqual(git('log', '--format=%H', '-2').trim().split('\n').reverse());
    expect(handoff.handoff.files_changed).toEqual(['src/extra.js']);
  });

  it('fails the first attempts on purpose and succeeds on a later one', async () => {
    const prompt = '@fail-first 1\n@write feature.txt ok\n@commit feature\n@handoff done';
    const first = await runAgent(prompt, { GAFFER_ATTEMPT: '1' });
    expect(first.result.exitCode).toBe(1);
    expect(existsSync(join(repo, 'feature.txt'))).toBe(false);
    expect(first.handoff.status).toBe('missing');

    const second = await runAgent(prompt, { GAFFER_ATTEMPT: '2' });
    expect(second.result.exitCode).toBe(0);
    expect(read('feature.txt')).toBe('ok\n');
    expect(subjects()).toEqual(['feature', 'initial']);
    expect(second.handoff.status).toBe('valid');
  });

  it('runs @attempt directives only on their attempt', async () => {
    const prompt = '@attempt 1 @write a.js broken\n@attempt 2 @write a.js fixed\n@commit write a.js';
    await runAgent(prompt, { GAFFER_ATTEMPT: '2' });
    expect(read('a.js')).toBe('fixed\n');
    expect(git('show', 'HEAD:a.js')).toBe('fixed\n');
  });

  it('@exit stops at once with its code', async () => {
    const { result } = await runAgent('@write a.txt before\n@exit 3\n@write b.txt after');
    expect(result.exitCode).toBe(3);
    expect(existsSync(join(repo, 'a.txt'))).toBe(true);
    expect(existsSync(join(repo, 'b.txt'))).toBe(false);
  });

  it('prints lines, stderr and a malformed handoff on request', async () => {
    const { result, stdout, stderr, handoff } = await runAgent(
      '@print 3 row\n@stderr warning here\n@handoff-malformed',
    );
    expect(result.exitCode).toBe(0);
    expect(stdout).toEqual(expect.arrayContaining(['row 1', 'row 2', 'row 3']));
    expect(stderr).toEqual(['warning here']);
    expect(handoff.status).toBe('malformed');
  });

  it('reports its usage so far with @cost, read back by its stream; a bad @cost is exit 2', async () => {
    const { result, stdout } = await runAgent('@cost 0.1 1000 100\n@print 1 working\n@cost 0.05 500 20');
    expect(result.exitCode).toBe(0);
    const reports = stdout.filter((line) => line.startsWith('GAFFER_USAGE '));
    expect(reports).toEqual([
      'GAFFER_USAGE {"inputTokens":1000,"outputTokens":100,"costUsd":0.1}',
      'GAFFER_USAGE {"inputTokens":1500,"outputTokens":120,"costUsd":0.15}',
    ]);
    const stream = scriptedStream();
    // A usage line is no text for the handoff scanner; other lines are.
    expect(stream.read(reports[0] ?? '')).toEqual({ text: '', activity: 'progress' });
    expect(stream.read('working 1')).toEqual({ text: 'working 1', activity: 'progress' });
    expect(stream.read(reports[1] ?? '')).toEqual({ text: '', activity: 'progress' });
    // A truncated report is ignored: the last whole one stands.
    stream.read('GAFFER_USAGE {"inputTokens":9');
    expect(stream.finish({ exitCode: 0 }).usage).toEqual({
      inputTokens: 1500,
      outputTokens: 120,
      cachedTokens: 0,
      costUsd: 0.15,
    });

    const bad = await runAgent('@cost lots 1 1');
    expect(bad.result.exitCode).toBe(2);
    expect(bad.stderr.join('\n')).toContain('@cost needs a cost in US dollars, got "lots"');
  });

  it('rejects an unknown directive with exit 2 before running later ones', async () => {
    const { result, stderr } = await runAgent('@frobnicate now\n@write late.txt x');
    expect(result.exitCode).toBe(2);
    expect(stderr.join('\n')).toMatch(/unknown directive "@frobnicate"/);
    expect(existsSync(join(repo, 'late.txt'))).toBe(false);
  });

  it('fails loudly when git fails (nothing to commit)', async () => {
    const { result, stderr } = await runAgent('@commit empty\n@write after.txt x');
    expect(result.exitCode).toBe(1);
    expect(stderr.join('\n')).toMatch(/git commit -m empty failed/);
    expect(existsSync(join(repo, 'after.txt'))).toBe(false);
  });

  it('reads the prompt from GAFFER_PROMPT_FILE when stdin is empty', async () => {
    const promptFile = join(repo, '..', `${repo.split('/').pop() ?? 'x'}-prompt.md`);
    writeFileSync(promptFile, '@write from-file.txt yes\n');
    try {
      const { result } = await runAgent(undefined, { GAFFER_PROMPT_FILE: promptFile });
      expect(result.exitCode).toBe(0);
      expect(read('from-file.txt')).toBe('yes\n');
    } finally {
      rmSync(promptFile, { force: true });
    }
  });
});
