import fs from 'node:fs';
import type { CheckResult } from '../events/types.js';
import { redact } from '../util/redact.js';

/** How much of a check's log a prompt carries: enough to act on, never the whole log. */
export const LOG_TAIL_LINES = 60;
export const LOG_TAIL_BYTES = 8 * 1024;
/** How far back from a log's end a failure's own lines are looked for. */
const SEARCHED_BYTES = 1024 * 1024;
const EXCERPT_LINES = 15;

/**
 * The end of a check's log for a prompt, redacted, as lines under a
 * heading that says where the whole log is. A log that cannot be read is
 * said so, with the lines the snapshot kept, if any.
 */
export function describeLogTail(check: CheckResult): string[] {
  const read = readEnd(check.logPath, LOG_TAIL_BYTES);
  if (read === undefined) {
    const kept = check.tail.slice(-LOG_TAIL_LINES).map((line) => redact(line));
    const missing = `The check's log ${check.logPath ? `(${check.logPath}) ` : ''}is missing or unreadable`;
    if (kept.length === 0) return [`${missing}; no output was kept.`];
    return [`${missing}; the last lines the snapshot kept:`, ...kept.map((line) => `  ${line}`)];
  }
  const lines = read.text.split(/\r?\n/);
  // A read that starts mid-log starts mid-line: drop the partial first line.
  if (read.cut && lines.length > 1) lines.shift();
  while (lines.length > 0 && lines.at(-1)?.trim() === '') lines.pop();
  const tail = lines.slice(-LOG_TAIL_LINES).map((line) => redact(line));
  if (tail.length === 0) return [`The check printed nothing (log: ${check.logPath}).`];
  return [`The end of its output (log: ${check.logPath}):`, ...tail.map((line) => `  ${line}`)];
}

/**
 * The lines a test runner printed about one failing test, when its log
 * names the test in full: vitest's "FAIL  file > suite > test" block,
 * pytest's "FAILED node-id - message" summary line. The block ends at a
 * separator, at a line naming another failing item, or after a few lines.
 * Undefined when the log does not name it so (node:test prints no file).
 */
export function failureExcerpt(
  check: CheckResult,
  test: string,
  others: readonly string[],
): string[] | undefined {
  const read = readEnd(check.logPath, SEARCHED_BYTES);
  if (read === undefined) return undefined;
  const lines = read.text.split(/\r?\n/);
  // A runner may name the test in its progress first: prefer the line that heads its failure.
  const heading = lines.findIndex((line) => headsFailure(line, test));
  const start = heading === -1 ? lines.findIndex((line) => namesExactly(line, test)) : heading;
  if (start === -1) return undefined;
  const excerpt = [lines[start] ?? ''];
  for (const line of lines.slice(start + 1, start + EXCERPT_LINES)) {
    if (isSeparator(line) || others.some((other) => other !== test && namesExactly(line, other))) break;
    excerpt.push(line);
  }
  while (excerpt.length > 0 && excerpt.at(-1)?.trim() === '') excerpt.pop();
  return excerpt.map((line) => redact(line.trimEnd()));
}

/** The name as a whole word of the line: "a > b" must not match "a > bc". */
function namesExactly(line: string, name: string): boolean {
  const at = line.indexOf(name);
  if (at === -1) return false;
  const before = line[at - 1];
  const after = line[at + name.length];
  return (before === undefined || /\s/.test(before)) && (after === undefined || /\s/.test(after));
}

function headsFailure(line: string, name: string): boolean {
  const at = line.indexOf(name);
  return (
    at !== -1 &&
    /(?:^|\s)(?:FAIL|FAILED|ERROR|not ok \d+ -)\s+$/.test(line.slice(0, at)) &&
    namesExactly(line, name)
  );
}

function isSeparator(line: string): boolean {
  return /^\s*(?:[⎯─=_-]{5,}|_{3,}\s.*\s_{3,})/.test(line);
}

/** The last `bytes` of a file as text (cut: it holds more), or undefined when it cannot be read. */
function readEnd(file: string, bytes: number): { text: string; cut: boolean } | undefined {
  if (!file) return undefined;
  let handle: number | undefined;
  try {
    handle = fs.openSync(file, 'r');
    const { size } = fs.fstatSync(handle);
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    fs.readSync(handle, buffer, 0, length, size - length);
    return { text: buffer.toString('utf8'), cut: size > length };
  } catch {
    return undefined;
  } finally {
    if (handle !== undefined) fs.closeSync(handle);
  }
}
