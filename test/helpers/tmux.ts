/**
 * A real terminal for end-to-end tests of the screen: a tmux server of the
 * test's own (its own socket, so nothing touches the user's sessions), the
 * built CLI launched in it by a script that records its exit code, the screen
 * read with `capture-pane` and keys sent with `send-keys`. Every wait polls
 * with a deadline that only bounds a hang. (The same harness as
 * test/ui/tmux-e2e.test.ts, with the size a parameter.)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI_PATH } from './cli.js';
import { waitFor } from './wait.js';

/** A loaded machine may take many times the unloaded time: this bounds a hang, it measures nothing. */
export const SCREEN_DEADLINE_MS = 60_000;

export class Tmux {
  private readonly socket = `gaffer-tmux-${process.pid}-${Date.now()}`;

  constructor(script: string, size: { columns: number; rows: number } = { columns: 120, rows: 40 }) {
    this.run([
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-s',
      'e2e',
      '-x',
      String(size.columns),
      '-y',
      String(size.rows),
      script,
    ]);
    // Keep the pane after gaffer exits, so its last screen can still be read.
    this.run(['set-option', '-t', 'e2e', 'remain-on-exit', 'on']);
  }

  screen(): string {
    return this.run(['capture-pane', '-p', '-t', 'e2e']);
  }

  send(key: string): void {
    this.run(['send-keys', '-t', 'e2e', key]);
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

/** A shell script that runs gaffer in the terminal (outside CI, colours off) and records its exit code. */
export function launcher(dir: string, args: string[]): string {
  const script = path.join(dir, 'launch.sh');
  const quoted = [process.execPath, CLI_PATH, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`);
  fs.writeFileSync(
    script,
    [
      '#!/bin/sh',
      `cd '${dir}'`,
      `env -u CI NO_COLOR=1 GIT_CEILING_DIRECTORIES='${path.dirname(dir)}' ${quoted.join(' ')}`,
      `echo $? > '${path.join(dir, 'exit-code')}'`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return script;
}

/** The exit code the launcher recorded, once gaffer has exited. */
export async function exitCodeOf(dir: string, timeoutMs = SCREEN_DEADLINE_MS): Promise<number> {
  const file = path.join(dir, 'exit-code');
  return waitFor(
    'gaffer to exit',
    () => (fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : undefined),
    timeoutMs,
  );
}
