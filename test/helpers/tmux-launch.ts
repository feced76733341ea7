/**
 * A real terminal for end-to-end UI tests: the built CLI in a detached tmux
 * session of our own (its own socket), the screen read with `capture-pane`,
 * keys sent with `send-keys`. The same harness as test/ui/tmux-e2e.test.ts,
 * shared so other terminal tests need not copy it. Every wait polls with a
 * deadline; nothing sleeps blindly.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI_PATH } from './cli.js';
import { waitFor } from './wait.js';

/** Only bounds a hang: a loaded machine may take many times the unloaded time. */
export const SCREEN_DEADLINE_MS = 60_000;

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

  send(...keys: string[]): void {
    this.run(['send-keys', '-t', 'e2e', ...keys]);
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

const quote = (arg: string): string => `'${arg.replaceAll("'", "'\\''")}'`;

/**
 * A shell script that runs gaffer in the terminal (with `env` added) and
 * records its exit code in `exit-code`. `ignoreInterrupt`: the script itself
 * ignores SIGINT. Without job control (a non-interactive sh) a Ctrl-C reaches
 * every process in the terminal, the script too; an interactive shell would
 * not receive it.
 */
export function launcher(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
  { ignoreInterrupt = false } = {},
): string {
  const script = path.join(dir, 'launch.sh');
  const vars = Object.entries(env).map(([name, value]) => `${name}=${quote(value)}`);
  fs.writeFileSync(
    script,
    [
      '#!/bin/sh',
      `cd ${quote(dir)}`,
      ...(ignoreInterrupt ? ["trap '' INT"] : []),
      // The UI draws only outside CI; colours off keeps the captured screen plain.
      `env -u CI NO_COLOR=1 GIT_CEILING_DIRECTORIES=${quote(path.dirname(dir))} ${vars.join(' ')} ${[process.execPath, CLI_PATH, ...args].map(quote).join(' ')}`,
      `echo $? > ${quote(path.join(dir, 'exit-code'))}`,
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
