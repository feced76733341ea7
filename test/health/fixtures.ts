import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCheckOutput } from '../../src/health/parsers/index.js';
import type { ParsedCheck, ParserName } from '../../src/health/parsers/types.js';

/** Real tool output captured by test/fixtures/health/regenerate.sh, with the command that made it. */
export interface Fixture {
  /** "<tool>/<case>", as on disk. */
  id: string;
  output: string;
  exitCode: number;
  /** The scratch folder the tool ran in: absolute paths in the output lie under it. */
  cwd: string;
}

export const FIXTURE_ROOT = fileURLToPath(new URL('../fixtures/health/', import.meta.url));

export function loadFixture(id: string): Fixture {
  const output = readFileSync(path.join(FIXTURE_ROOT, `${id}.txt`), 'utf8');
  const command = readFileSync(path.join(FIXTURE_ROOT, `${id}.cmd`), 'utf8');
  const exitCode = /^# exit code: (\d+)$/m.exec(command)?.[1];
  if (exitCode === undefined) throw new Error(`${id}.cmd has no "# exit code: N" line`);
  const ranIn = /^# project: .*(?:copied to|into) (\/\S+)$/m.exec(command)?.[1];
  return { id, output, exitCode: Number(exitCode), cwd: ranIn ?? FIXTURE_ROOT };
}

/** Every captured case, e.g. "pytest/fail", "node-test/tap-skip". */
export function allFixtureIds(): string[] {
  const ids: string[] = [];
  for (const tool of readdirSync(FIXTURE_ROOT, { withFileTypes: true })) {
    if (!tool.isDirectory()) continue;
    for (const file of readdirSync(path.join(FIXTURE_ROOT, tool.name))) {
      if (file.endsWith('.txt')) ids.push(`${tool.name}/${file.slice(0, -'.txt'.length)}`);
    }
  }
  return ids.sort();
}

/** Parses a fixture the way the check runner will: with its exit code and the folder it ran in. */
export function parseFixture(parser: ParserName, id: string): ParsedCheck {
  const fixture = loadFixture(id);
  return parseCheckOutput(parser, fixture.output, fixture.exitCode, { cwd: fixture.cwd });
}
