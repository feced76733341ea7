import fs from 'node:fs';
import type { CommandResult } from '../src/controller/control.js';
import { pagerCommand, runPager } from '../src/util/pager.js';

/**
 * `l`: an attempt's whole log in the operator's pager, then back to the live
 * screen. The pager owns the terminal meanwhile: Ink's writes are dropped
 * (the frame is drawn whole again afterwards), raw mode is off, and Ink's
 * input listener is detached and stdin paused, so not one keystroke meant
 * for the pager reaches gaffer. The pager runs as an ordinary async child:
 * the supervisor's event loop goes on draining the agents' pipes
 * (src/util/pager.ts runs it).
 */

const SHOW_CURSOR = '\u001b[?25h';
const HIDE_CURSOR = '\u001b[?25l';
/** Clear the screen and go home: whatever the pager left, the frame is drawn from the top. */
const CLEAR_SCREEN = '\u001b[2J\u001b[H';

export interface PagerTerminal {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  /** Writes `data` and then Ink's whole last frame (Ink's own writeToStdout), once Ink may draw again. */
  redraw: (data: string) => void;
}

let pagerRunning = false;

/** True while a pager owns the terminal: a Ctrl-C typed there is the pager's, not a request to stop. */
export function pagerOpen(): boolean {
  return pagerRunning;
}

/** The `openPager` service for a UI drawn on `terminal`. */
export function pagerFor(terminal: PagerTerminal): (file: string) => Promise<CommandResult> {
  return async (file) => {
    if (pagerRunning) return { ok: false, message: 'a pager is open already' };
    if (!fs.existsSync(file))
      return { ok: false, message: `the log ${file} is not on disk: nothing to page` };
    const command = pagerCommand(terminal.env);
    pagerRunning = true;
    const resume = await suspendInk(terminal);
    try {
      return await runPager(command, file, terminal.env);
    } finally {
      resume();
      pagerRunning = false;
      terminal.redraw(CLEAR_SCREEN + HIDE_CURSOR);
    }
  };
}

/** Takes the terminal from Ink; the function returned gives it back. */
async function suspendInk({ stdin, stdout }: PagerTerminal): Promise<() => void> {
  const ownWrite = Object.prototype.hasOwnProperty.call(stdout, 'write');
  const write = stdout.write.bind(stdout);
  stdout.write = dropWrite;
  const listeners = stdin.listeners('readable') as ((...args: unknown[]) => void)[];
  for (const listener of listeners) stdin.removeListener('readable', listener);
  const raw = stdin.isTTY && stdin.isRaw;
  if (raw) stdin.setRawMode(false);
  // A stream with a 'readable' listener is already paused, so pause() alone emits nothing and fd 0 stays
  // read: under load gaffer then took the keys typed for the pager, which waited forever. The stream
  // notices the listener is gone a tick later; a pause after that emits 'pause', and process.stdin's
  // own pause hook stops reading fd 0.
  await new Promise((resolve) => setImmediate(resolve));
  stdin.pause();
  write(SHOW_CURSOR);
  return () => {
    if (ownWrite) stdout.write = write;
    else delete (stdout as Partial<NodeJS.WriteStream>).write;
    if (raw) stdin.setRawMode(true);
    // Adding Ink's listener back starts reading again.
    for (const listener of listeners) stdin.on('readable', listener);
  };
}

/** A write while the pager owns the screen: dropped, its callback still called. */
function dropWrite(...args: unknown[]): boolean {
  const callback = args.find((arg) => typeof arg === 'function') as (() => void) | undefined;
  if (callback) queueMicrotask(callback);
  return true;
}
