import { spawn } from 'node:child_process';
import type { CommandResult } from '../controller/control.js';
import { redact } from './redact.js';
import { toTerminalText } from './terminal-text.js';

/**
 * The operator's pager, run on a log while the UI has handed it the
 * terminal (components/pager.ts). An ordinary async child: never spawnSync,
 * which would stop the event loop and with it the draining of the agents'
 * pipes.
 *
 * `$PAGER` is a command line, as git and man treat it: it runs with
 * `sh -c '<PAGER> "$1"'`, the log's path passed as `$1`, never pasted into
 * the command, so no path can inject anything.
 */

export const DEFAULT_PAGER = 'less -R';

/** How much of the pager's stderr is kept to explain a failure. */
const STDERR_TAIL_BYTES = 2048;

export function pagerCommand(env: NodeJS.ProcessEnv): string {
  return env.PAGER?.trim() || DEFAULT_PAGER;
}

/** Runs the pager on `file` in this terminal (stdin and stdout inherited) and says how it ended. */
export function runPager(command: string, file: string, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn('sh', ['-c', `${command} "$1"`, 'gaffer-pager', file], {
      stdio: ['inherit', 'inherit', 'pipe'],
      env,
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
    child.on('error', (error) =>
      resolve({ ok: false, message: `the pager could not start (${error.message}): is sh on PATH?` }),
    );
    child.on('close', (code, signal) => resolve(pagerAnswer(command, file, code, signal, stderr)));
  });
}

/** What the pager's end means, in words; a failure quotes the pager's own last line. */
function pagerAnswer(
  command: string,
  file: string,
  code: number | null,
  signal: NodeJS.Signals | null,
  stderr: string,
): CommandResult {
  const said = oneLine(redact(stderr.trim().split('\n').at(-1) ?? ''), 200);
  const quoted = said ? `: ${said}` : '';
  const name = oneLine(command, 100);
  if (code === 0) return { ok: true, message: `back from the pager (${name}); the log: ${file}` };
  if (code === 127)
    return {
      ok: false,
      message: `the pager "${name}" was not found${quoted}; set $PAGER to a pager on PATH (default ${DEFAULT_PAGER})`,
    };
  if (code === 126)
    return {
      ok: false,
      message: `the pager "${name}" could not run${quoted}; check $PAGER and its permissions`,
    };
  const how = signal === null ? `exited with ${code}` : `was ended by ${signal}`;
  return { ok: false, message: `the pager "${name}" ${how}${quoted}; the log: ${file}` };
}

/** Text from outside (a pager's stderr, $PAGER itself) made safe for the message line. */
function oneLine(text: string, max: number): string {
  const safe = toTerminalText(text).replace(/\s+/g, ' ');
  return safe.length > max ? `${safe.slice(0, max - 1)}…` : safe;
}
