/**
 * A real terminal for end-to-end UI tests: the built CLI runs in a detached
 * tmux session of our own (its own socket), the screen is read with
 * `tmux capture-pane`, keys go in with `tmux send-keys`, and `gaffer status
 * --json` confirms what the database holds. Every wait polls with a
 * deadline; nothing sleeps blindly.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI_PATH, removeTempDir } from './cli.js';
import { waitFor } from './wait.js';

export interface StatusJson {
  run: { status: string; reason: string };
  units: {
    id: string;
    status: string;
    strikes: number;
    attempts: { number: number; outcome: string }[];
  }[];
}

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

/** Ends the tmux server, waits for everything started in `dir` to end (the hangup stops gaffer gracefully), removes `dir`. */
export async function tearDown(tmux: Tmux | undefined, dir: string | undefined): Promise<void> {
  tmux?.killServer();
  try {
    if (dir !== undefined)
      await waitFor('gaffer and its children to end', () =>
        processesIn(dir).length === 0 ? true : undefined,
      );
  } finally {
    removeTempDir(dir);
  }
}

/** A tmux server of our own (its own socket), so nothing touches the user's sessions. */
export class Tmux {
  private readonly socket = `gaffer-e2e-${process.pid}-${Date.now()}`;

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

  /** Lines scrolled off the top of the pane into its history: a frame taller than the window puts them there. */
  historySize(): number {
    return Number(this.run(['display-message', '-p', '-t', 'e2e', '#{history_size}']).trim());
  }

  /** Copies every byte the program writes to the terminal into `file` (escape sequences included). */
  record(file: string): void {
    this.run(['pipe-pane', '-o', '-t', 'e2e', `cat >> '${file}'`]);
  }

  /** Keys by tmux's names (`Enter`, `C-c`, `Tab`) or as text, in one send-keys. */
  send(...keys: string[]): void {
    this.run(['send-keys', '-t', 'e2e', ...keys]);
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

export interface LauncherOptions {
  /** Variables set for gaffer (TERM=dumb); the UI's defaults stay unless overridden. */
  env?: Record<string, string>;
  /** Wait for a file named `go` in `dir` before starting gaffer (time to start a recording). */
  gate?: boolean;
  /**
   * The script itself ignores SIGINT. Without job control (a non-interactive
   * sh) a Ctrl-C reaches every process in the terminal, the script too; an
   * interactive shell would not receive it.
   */
  ignoreInterrupt?: boolean;
}

/** A shell script that runs gaffer in the terminal and records its exit code in `dir`/exit-code. */
export function launcher(dir: string, args: string[], options: LauncherOptions = {}): string {
  const script = path.join(dir, 'launch.sh');
  const quote = (arg: string): string => `'${arg.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, CLI_PATH, ...args].map(quote);
  const env = Object.entries(options.env ?? {}).map(([name, value]) => `${name}=${quote(value)}`);
  fs.writeFileSync(
    script,
    [
      '#!/bin/sh',
      `cd '${dir}'`,
      ...(options.ignoreInterrupt ? ["trap '' INT"] : []),
      ...(options.gate ? [`while [ ! -e '${path.join(dir, 'go')}' ]; do sleep 0.05; done`] : []),
      // The UI draws only outside CI; colours off keeps the captured screen plain.
      `env -u CI NO_COLOR=1 GIT_CEILING_DIRECTORIES='${path.dirname(dir)}' ${env.join(' ')} ${command.join(' ')}`,
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

export function status(configPath: string): StatusJson {
  const out = execFileSync(process.execPath, [CLI_PATH, 'status', '--config', configPath, '--json'], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as StatusJson;
}

export const unitOf = (json: StatusJson, id: string) => json.units.find((unit) => unit.id === id);
