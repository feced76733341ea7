import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fake Claude Code (see the top of the script for its scenarios). */
export const FAKE_CLAUDE = fileURLToPath(new URL('../fixtures/agents/fake-claude.cjs', import.meta.url));

/** A unit prompt that makes the fake play `scenario`. */
export const plays = (scenario: string): string => `fake-claude: ${scenario}`;

/**
 * A folder holding `claude` (the fake) put first on PATH, as a real install
 * would be, and a folder for the fake's per-unit state; `restore` undoes both.
 */
export function installFakeClaude(): { stateDir: string; restore: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-fake-claude-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(FAKE_CLAUDE, path.join(bin, 'claude'));
  const oldPath = process.env.PATH;
  process.env.PATH = `${bin}${path.delimiter}${oldPath ?? ''}`;
  return {
    stateDir: path.join(dir, 'state'),
    restore: () => {
      process.env.PATH = oldPath;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The argv the fake got on its `run`-th start for `unit`. */
export function fakeArgv(stateDir: string, unit: string, run: number): string[] {
  return JSON.parse(fs.readFileSync(path.join(stateDir, `${unit}-${run}.argv.json`), 'utf8')) as string[];
}
