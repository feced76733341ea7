/**
 * A real terminal for the UI's end-to-end tests: a tmux server of our own,
 * the built CLI launched in it by a shell script, the screen read with
 * `capture-pane` and keys sent with `send-keys`. Every wait polls with a
 * deadline; nothing sleeps blindly.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI_PATH } from './cli.js';
import { waitFor } from './wait.js';

/**
 * Deadlines only bound a hang: a loaded machine (every process here is a node
 * start, a git call or a tmux round trip) may take many times the unloaded
 * time, and nothing here measures how long anything took.
 */
export const SCREEN_DEADLINE_MS = 60_000;

/** Live processes started for a test: the launcher and gaffer name `dir` on their command line, agents and checks run in it. */
export function processesIn(dir: string): number[] {
  return fs.readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      const named = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir);
      return named || cwd === dir || cwd.startsWith(`${dir}/`) ? [Number(entry)] : [];
    } catch {
      return []; // gone, or a zombie
    }
  });
}

/** A tmux server of our own (its own socket), so nothing touches the user's sessions. */
export class Tmux {
  private readonly socket = `gaffer-e2e-${process.pid}-${Date.now()}`;

  constructor(script: string, columns = 120, rows = 40) {
    this.run([
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-s',
      'e2e',
      '-x',
      String(columns),
      '-y',
      String(rows),
      script,
    ]);
    // Keep the pane after gaffer exits, so its last screen can still be read.
    this.run(['set-option', '-t', 'e2e', 'remain-on-exit', 'on']);
  }

  screen(): string {
    return this.run(['capture-pane', '-p', '-t', 'e2e']);
  }

  /** Lines scrolled off the top of the pane into its history: a frame taller than the window puts them there. */
  historySize(): number {
    return Number(this.run(['display-message', '-p', '-t', 'e2e', '#{history_size}']).trim());
  }

  send(key: string): void {
    this.run(['send-keys', '-t', 'e2e', key]);
  }

  resize(columns: number, rows: number): void {
    this.run(['resize-window', '-t', 'e2e', '-x', String(columns), '-y', String(rows)]);
  }

  /** Polls the screen until `probe` accepts it; the timeout message shows the last screen. */
  async waitForScreen(
    what: string,
    probe: (screen: string) => boolean,
    timeoutMs = SCREEN_DEADLINE_MS,
  ): Promise<string> {
    let last = '';
    try {
      return await waitFor(
        what,
        () => {
          last = this.screen();
          return probe(last) ? last : undefined;
        },
        timeoutMs,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; the screen was:\n${last}`);
    }
  }

  killServer(): void {
    try {
      this.run(['kill-server']);
    } catch {
      // already gone
    }
  }

  private run(args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }
}

/** A shell script that runs gaffer in the terminal and records its exit code. */
export function launcher(dir: string, args: string[]): string {
  const script = path.join(dir, 'launch.sh');
  const quoted = [process.execPath, CLI_PATH, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`);
  fs.writeFileSync(
    script,
    [
      '#!/bin/sh',
      `cd '${dir}'`,
      // The UI draws only outside CI; colours off keeps the captured screen plain.
      `env -u CI NO_COLOR=1 GIT_CEILING_DIRECTORIES='${path.dirname(dir)}' ${quoted.join(' ')}`,
      `echo $? > '${path.join(dir, 'exit-code')}'`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return script;
}

export async function exitCodeOf(dir: string, timeoutMs = SCREEN_DEADLINE_MS): Promise<number> {
  const file = path.join(dir, 'exit-code');
  return waitFor(
    'gaffer to exit',
    () => (fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : undefined),
    timeoutMs,
  );
}
