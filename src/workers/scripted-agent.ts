#!/usr/bin/env node
/**
 * A stand-in for a real coding agent, used by tests, the demo and the
 * benchmarks. It reads its prompt from stdin (or GAFFER_PROMPT_FILE) and
 * carries out the directives in it: lines that start with '@' in column 0.
 * Everything else is free text, including feedback the controller appends
 * indented by four spaces, so feedback can never inject a directive.
 *
 * The directives reproduce what real agents do to a supervisor: edit and
 * commit, flood output, hang and ignore SIGTERM, leave orphans holding the
 * pipes, fail the first attempts, print a (possibly broken) handoff, report
 * work they noticed (@discover, before @handoff).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const attempt = Number(process.env.GAFFER_ATTEMPT ?? '1');
const unitId = process.env.GAFFER_UNIT_ID ?? 'unknown';
/** Commits made by this run, reported in the handoff. */
const commits: string[] = [];
/** Work noticed on the way (@discover), reported in the handoff. */
const discoveries: (string | { title: string; prompt: string })[] = [];
/** What this run has reported using so far (@cost adds to it). */
const usage = { inputTokens: 0, outputTokens: 0, costUsd: 0 };

/** A directive the agent cannot carry out as written: exit 2. */
class DirectiveError extends Error {}
/** A git command failed: exit 1, like an agent whose tool call failed. */
class GitFailure extends Error {}

async function main(): Promise<number> {
  const prompt = await readPrompt();
  const directives = prompt.split(/\r?\n/).filter((line) => line.startsWith('@'));
  await say(`[agent] unit ${unitId}, attempt ${attempt}: ${directives.length} directives`);
  for (const directive of directives) {
    try {
      const exitCode = await run(directive);
      if (exitCode !== undefined) return exitCode;
    } catch (error) {
      if (!(error instanceof DirectiveError || error instanceof GitFailure)) throw error;
      process.stderr.write(`[agent] ${error.message}\n`);
      return error instanceof GitFailure ? 1 : 2;
    }
  }
  return 0;
}

/** Runs one directive; a number means "exit now with this code". */
async function run(directive: string): Promise<number | undefined> {
  const [name = '', rest = ''] = splitFirst(directive.trimEnd());
  switch (name) {
    case '@write':
    case '@append': {
      const [path, text = ''] = splitFirst(rest);
      if (path === undefined || path === '') throw new DirectiveError(`${name} needs a path`);
      await say(`[agent] ${name === '@write' ? 'writing' : 'appending to'} ${path}`);
      const target = resolve(path);
      mkdirSync(dirname(target), { recursive: true });
      const content = decodeEscapes(text) + '\n';
      if (name === '@write') writeFileSync(target, content);
      else appendFileSync(target, content);
      return undefined;
    }
    case '@delete':
      if (rest === '') throw new DirectiveError('@delete needs a path');
      await say(`[agent] deleting ${rest}`);
      rmSync(resolve(rest), { force: true, recursive: true });
      return undefined;
    case '@commit': {
      await say(`[agent] committing: ${rest}`);
      git(['add', '-A']);
      git(['commit', '-m', rest]);
      commits.push(git(['rev-parse', 'HEAD']).trim());
      return undefined;
    }
    case '@print': {
      const [count, text = 'line'] = splitFirst(rest);
      const n = parseCount(count, name);
      for (let i = 1; i <= n; i++) await say(`${text} ${i}`);
      return undefined;
    }
    case '@flood':
      await flood(parseCount(rest, name));
      return undefined;
    case '@stderr':
      process.stderr.write(`${rest}\n`);
      return undefined;
    case '@sleep':
      await sleep(parseCount(rest, name));
      return undefined;
    case '@exit':
      return parseCount(rest, name);
    case '@hang':
      return hang();
    case '@spawn-orphan': {
      const ms = parseCount(rest, name);
      // Same process group, stdout and stderr inherited: the orphan keeps the
      // supervisor's pipes open after this agent exits, like a stray server.
      const child = spawn(process.execPath, ['-e', `setTimeout(() => {}, ${ms})`], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.unref();
      await say(`ORPHAN_PID ${child.pid ?? 'unknown'}`);
      return undefined;
    }
    case '@setsid-orphan': {
      const [count, file] = splitFirst(rest);
      await setsidOrphan(parseCount(count, name), file ?? process.env.GAFFER_ORPHAN_PID_FILE);
      return undefined;
    }
    case '@fail-first': {
      const k = parseCount(rest, name);
      if (attempt > k) return undefined;
      await say(`[agent] failing attempt ${attempt} on purpose (fail-first ${k})`);
      return 1;
    }
    case '@attempt': {
      const [wanted, inner = ''] = splitFirst(rest);
      if (!inner.startsWith('@'))
        throw new DirectiveError(`@attempt ${wanted ?? ''} needs a directive after it`);
      return parseCount(wanted, name) === attempt ? run(inner) : undefined;
    }
    case '@handoff':
      await handoff(rest);
      return undefined;
    case '@wait-file': {
      // Waits until a file exists: a test's gate for "go on once the supervisor has seen something".
      if (rest.trim() === '') throw new DirectiveError('@wait-file needs a path');
      await say(`[agent] waiting for ${rest.trim()}`);
      while (!existsSync(resolve(rest.trim()))) await sleep(50);
      return undefined;
    }
    case '@discover': {
      // Work the agent noticed and left for later: reported in the handoff's discoveries.
      const [title = '', prompt = ''] = rest.split(' :: ');
      if (title.trim() === '')
        throw new DirectiveError('@discover needs a title (and optionally " :: " and a prompt)');
      discoveries.push(
        prompt.trim() === '' ? title.trim() : { title: title.trim(), prompt: decodeEscapes(prompt.trim()) },
      );
      return undefined;
    }
    case '@cost': {
      const [usd, tokens = ''] = splitFirst(rest);
      const [input, output] = splitFirst(tokens);
      const costUsd = Number(usd);
      if (usd === undefined || !Number.isFinite(costUsd) || costUsd < 0)
        throw new DirectiveError(`@cost needs a cost in US dollars, got ${JSON.stringify(usd ?? '')}`);
      usage.costUsd += costUsd;
      usage.inputTokens += parseCount(input, name);
      usage.outputTokens += parseCount(output, name);
      // Totals so far, like a real tool's running usage.
      await say(
        `GAFFER_USAGE ${JSON.stringify({ ...usage, costUsd: Math.round(usage.costUsd * 1e6) / 1e6 })}`,
      );
      return undefined;
    }
    case '@handoff-malformed':
      await say('GAFFER_RESULT {"status": "done", "summary": ');
      return undefined;
    default:
      throw new DirectiveError(`unknown directive ${JSON.stringify(name)} in line: ${directive}`);
  }
}

/**
 * A daemon the way agents start them: detached (setsid: a new session and
 * process group, so ending the agent's group misses it) with its stdio
 * closed, living ms ms after the agent is gone. It writes its pid to
 * pidFile (atomically, relative paths from the working directory) before the
 * agent goes on, so a test can wait for the file and then watch that pid.
 */
async function setsidOrphan(ms: number, pidFile: string | undefined): Promise<void> {
  const script = [
    "const fs = require('node:fs');",
    'const [ms, file] = process.argv.slice(1);',
    "if (file) { fs.writeFileSync(file + '.tmp', String(process.pid)); fs.renameSync(file + '.tmp', file); }",
    "process.stdout.write('ready\\n');",
    'setTimeout(() => {}, Number(ms));',
  ].join('\n');
  const target = pidFile === undefined || pidFile === '' ? '' : resolve(pidFile);
  const child = spawn(process.execPath, ['-e', script, String(ms), target], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  // Wait for "ready" so the orphan exists (and its pid file too) before the
  // agent moves on, say to @exit, then close our end of its only pipe.
  const started = await Promise.race([
    once(child.stdout, 'data').then(() => true),
    once(child, 'exit').then(() => false),
  ]);
  child.stdout.destroy();
  child.unref();
  if (!started) throw new DirectiveError('@setsid-orphan: the detached process did not start');
  await say(`SETSID_ORPHAN_PID ${child.pid ?? 'unknown'}`);
}

async function handoff(rest: string): Promise<void> {
  const [status = 'done', summary = `attempt ${attempt} finished`] = splitFirst(rest);
  const diff = spawnSync('git', ['diff', '--name-only', 'HEAD~1'], { encoding: 'utf8' });
  const filesChanged = diff.status === 0 ? diff.stdout.split('\n').filter((line) => line !== '') : [];
  const result = { status, summary, commits, discoveries, concerns: [], files_changed: filesChanged };
  await say(`GAFFER_RESULT ${JSON.stringify(result, null, 2)}`);
}

async function flood(bytes: number): Promise<void> {
  await say(`[agent] flooding ${bytes} bytes`);
  const line = 'x'.repeat(99) + '\n';
  const chunk = line.repeat(640);
  let remaining = bytes;
  while (remaining > 0) {
    const piece =
      remaining >= chunk.length ? chunk : line.repeat(Math.floor(remaining / 100)) + tail(remaining % 100);
    remaining -= piece.length;
    if (!process.stdout.write(piece)) await once(process.stdout, 'drain');
  }
}

/** A last line of exactly n bytes (newline included). */
function tail(n: number): string {
  return n === 0 ? '' : 'x'.repeat(n - 1) + '\n';
}

async function hang(): Promise<never> {
  process.on('SIGTERM', () => process.stdout.write('[agent] ignoring SIGTERM\n'));
  await say('[agent] hanging');
  setInterval(() => undefined, 1 << 30);
  return new Promise<never>(() => undefined);
}

/** Runs git in the working directory; a failure ends the agent loudly. */
function git(args: string[]): string {
  const result = spawnSync('git', args, { encoding: 'utf8' });
  if (result.status !== 0) {
    const output =
      `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() || String(result.error ?? 'no output');
    throw new GitFailure(`git ${args.join(' ')} failed (exit ${result.status ?? 'signal'}): ${output}`);
  }
  return result.stdout;
}

async function readPrompt(): Promise<string> {
  let text = '';
  if (!process.stdin.isTTY) {
    process.stdin.setEncoding('utf8');
    for await (const chunk of process.stdin) text += String(chunk);
  }
  const promptFile = process.env.GAFFER_PROMPT_FILE;
  if (text.trim() === '' && promptFile !== undefined && promptFile !== '') {
    text = readFileSync(promptFile, 'utf8');
  }
  return text;
}

/** Writes a line to stdout, waiting when the pipe is full. */
async function say(line: string): Promise<void> {
  if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
}

function splitFirst(text: string): [string | undefined, string | undefined] {
  if (text === '') return [undefined, undefined];
  const space = text.indexOf(' ');
  return space === -1 ? [text, undefined] : [text.slice(0, space), text.slice(space + 1)];
}

function decodeEscapes(text: string): string {
  return text.replace(/\\([nt\\])/g, (_match, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}

function parseCount(value: string | undefined, directive: string): number {
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isInteger(n) || n < 0) {
    throw new DirectiveError(`${directive} needs a non-negative integer, got ${JSON.stringify(value ?? '')}`);
  }
  return n;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `[agent] crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
