import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import type { CheckCounts, ParserInput, ParserResult } from './types.js';

/**
 * Splits a check's combined output into plain lines. Checks run with NO_COLOR, but tools that force
 * colour (or ignore NO_COLOR) would otherwise hide their lines from every anchored pattern.
 */
export function outputLines(output: string): string[] {
  return stripVTControlCharacters(output)
    .split(/\r?\n/)
    .map((line) => {
      // A progress line redrawn with \r shows only its last segment on a terminal.
      const segments = line.split('\r').filter((segment) => segment !== '');
      return segments[segments.length - 1] ?? '';
    });
}

export function zeroCounts(): CheckCounts {
  return { passed: 0, failed: 0, errors: 0, warnings: 0, skipped: 0 };
}

export function notRecognized(): ParserResult {
  return { counts: zeroCounts(), failing: [], recognized: false };
}

/** tsc and eslint print nothing at all when they pass; that silence is their success format. */
export function isSilentSuccess(input: ParserInput): boolean {
  return input.exitCode === 0 && input.lines.every((line) => line.trim() === '');
}

export function silentSuccess(): ParserResult {
  return { counts: zeroCounts(), failing: [], recognized: true, findings: [] };
}

/**
 * A path as the failing-item name shows it: relative to the check's folder when the tool printed it
 * absolute, without "./" or a file:// scheme, so the same file has one name in every worktree.
 */
export function displayPath(raw: string, cwd: string | undefined): string {
  let file = raw.trim();
  if (file.startsWith('file://')) {
    try {
      file = fileURLToPath(file);
    } catch {
      // Not a valid file URL after all: keep it as printed.
    }
  }
  if (cwd !== undefined && path.isAbsolute(file)) {
    const relative = path.relative(cwd, file);
    if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)) file = relative;
  }
  return file.replace(/^\.\//, '');
}

/** A finding's message as `Finding.message` holds it: the first line, trimmed. */
export function findingMessage(text: string): string {
  return (text.split('\n').find((line) => line.trim() !== '') ?? '').trim();
}

/** Lint, type and security findings are named "path:line rule": columns shift with unrelated edits. */
export function findingName(file: string, line: string | number, rule: string): string {
  return `${file}:${line} ${rule}`;
}

/**
 * Reads a tally like "3 failed, 5 passed" or "1 failed | 2 passed" into label -> number. Labels
 * are lower-cased; a label that repeats is summed.
 */
export function readTally(text: string): Map<string, number> {
  const tally = new Map<string, number>();
  for (const part of text.split(/[,|]/)) {
    const match = /^\s*(\d+) ([A-Za-z][A-Za-z ]*?)\s*$/.exec(part);
    if (!match?.[1] || !match[2]) continue;
    const label = match[2].toLowerCase();
    tally.set(label, (tally.get(label) ?? 0) + Number(match[1]));
  }
  return tally;
}

/** The sum of the tally's numbers for any of the labels. */
export function tallyOf(tally: Map<string, number>, ...labels: string[]): number {
  return labels.reduce((sum, label) => sum + (tally.get(label) ?? 0), 0);
}
