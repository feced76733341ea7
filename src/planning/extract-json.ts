import { describeJsonSyntaxError } from '../config/format-issues.js';
import { redact } from '../util/redact.js';

/**
 * Finds the JSON value an agent printed among its prose. Agents wrap their
 * answer in words ("Here is the plan: …") and often in a ```json fence, so
 * the answer is: the last ```json fenced block, or else the last balanced
 * top-level `{…}` that parses. The failure says which of the two went wrong,
 * in words the agent can act on when it is asked again.
 */

export type Extracted = { ok: true; value: unknown } | { ok: false; error: string };

const QUOTED_PROSE_CHARS = 200;

export function extractJson(text: string): Extracted {
  const fenced = lastFencedJson(text);
  if (fenced !== undefined) return parse(fenced, 'the ```json block');
  const candidates = objectCandidates(text);
  for (const candidate of [...candidates].reverse()) {
    const parsed = parse(candidate, 'the JSON object');
    if (parsed.ok) return parsed;
  }
  // Braces in prose (`{x}`) are not an attempt at JSON; an object that starts like JSON is.
  const attempt = [...candidates].reverse().find((candidate) => /^\{\s*("|\})/.test(candidate));
  if (attempt !== undefined) return parse(attempt, 'the JSON object');
  return { ok: false, error: noJsonMessage(text) };
}

function parse(text: string, what: string): Extracted {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return {
      ok: false,
      error: `${what} it printed is not valid JSON: ${describeJsonSyntaxError(error, text)}`,
    };
  }
}

function noJsonMessage(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return 'the agent printed nothing: it must print one JSON object';
  const shown = trimmed.length > QUOTED_PROSE_CHARS ? `${trimmed.slice(0, QUOTED_PROSE_CHARS)}…` : trimmed;
  return `the agent printed no JSON object, only prose: ${JSON.stringify(redact(shown))}`;
}

function lastFencedJson(text: string): string | undefined {
  let last: string | undefined;
  for (const match of text.matchAll(/```json[^\S\n]*\n([\s\S]*?)\n?[^\S\n]*```/gi)) last = match[1];
  return last;
}

/**
 * Every top-level `{…}` span in order, strings inside them honoured. An object
 * still open at the end (a truncated answer, or a stray `{` in prose) is kept
 * as a span, and the scan starts again just after its brace, so a stray brace
 * cannot hide the answer behind it (a few times: each restart costs a scan).
 */
function objectCandidates(text: string): string[] {
  const spans: string[] = [];
  let from = 0;
  for (let restarts = 0; restarts <= MAX_RESTARTS; restarts += 1) {
    const unclosed = scanObjects(text, from, spans);
    if (unclosed === undefined) break;
    spans.push(text.slice(unclosed));
    from = unclosed + 1;
  }
  return spans;
}

const MAX_RESTARTS = 16;

/** Adds the closed top-level spans from `from` on; returns where an unclosed one starts. */
function scanObjects(text: string, from: number, spans: string[]): number | undefined {
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let index = from; index < text.length; index += 1) {
    const character = text[index];
    if (depth === 0) {
      if (character === '{') {
        depth = 1;
        start = index;
      }
      continue;
    }
    if (inString) {
      if (escaped) escaped = false;
      else if (character === '\\') escaped = true;
      else if (character === '"') inString = false;
      continue;
    }
    if (character === '"') inString = true;
    else if (character === '{') depth += 1;
    else if (character === '}') {
      depth -= 1;
      if (depth === 0) spans.push(text.slice(start, index + 1));
    }
  }
  return depth > 0 ? start : undefined;
}
