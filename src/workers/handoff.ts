/**
 * The structured result an agent prints when it finishes:
 *
 *   GAFFER_RESULT {"status": "done", "summary": "…", ...}
 *
 * The object may be pretty-printed over many lines and may appear after a
 * lot of other output, so it is found by a streaming scanner that keeps only
 * the current candidate (never the whole output). The last marker wins: an
 * agent that corrects itself prints a second result.
 *
 * Scanner modes:
 *   idle           – looking for the marker
 *   awaiting-brace – marker seen, the object's '{' not yet
 *   in-object      – inside the object, counting braces outside JSON strings
 * A candidate past the size cap is abandoned (malformed) and scanning goes
 * back to idle, so memory stays bounded however long the object runs on.
 */
import { z } from 'zod';

export const HANDOFF_MARKER = 'GAFFER_RESULT';
/** Bigger than any honest handoff; bounds memory against a runaway agent. */
export const MAX_HANDOFF_CHARS = 256 * 1024;
const RAW_PREVIEW_CHARS = 1024;
const MAX_REPORTED_ISSUES = 5;

export const HandoffSchema = z.object({
  status: z.enum(['done', 'partial', 'failed', 'blocked']),
  summary: z.string(),
  commits: z.array(z.string()).default([]),
  discoveries: z
    .array(z.union([z.string(), z.object({ title: z.string(), prompt: z.string().optional() })]))
    .default([]),
  concerns: z.array(z.string()).default([]),
  files_changed: z.array(z.string()).default([]),
});
export type Handoff = z.infer<typeof HandoffSchema>;

export type HandoffResult =
  | { status: 'valid'; handoff: Handoff }
  | { status: 'missing' }
  | { status: 'malformed'; error: string; raw: string };

type Mode = 'idle' | 'awaiting-brace' | 'in-object';

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MARKER_FIRST = HANDOFF_MARKER.charCodeAt(0);

export class HandoffScanner {
  private mode: Mode = 'idle';
  /** Whether the current line is the marker's own line (text may precede '{'). */
  private onMarkerLine = false;
  private parts: string[] = [];
  private length = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private completed: HandoffResult = { status: 'missing' };

  feed(line: string): void {
    let pos = 0;
    this.onMarkerLine = false;
    while (pos <= line.length) {
      switch (this.mode) {
        case 'idle': {
          const marker = line.indexOf(HANDOFF_MARKER, pos);
          if (marker === -1) return;
          pos = this.startCandidate(marker);
          break;
        }
        case 'awaiting-brace': {
          const marker = line.indexOf(HANDOFF_MARKER, pos);
          const brace = line.indexOf('{', pos);
          if (marker !== -1 && (brace === -1 || marker < brace)) {
            pos = this.startCandidate(marker);
            break;
          }
          if (brace === -1 || (!this.onMarkerLine && line.slice(pos, brace).trim() !== '')) {
            // Prose after the marker (or a stray later '{') is not a handoff.
            if (line.slice(pos).trim() !== '') this.abandon('no JSON object after ' + HANDOFF_MARKER, '');
            return;
          }
          this.mode = 'in-object';
          pos = brace;
          break;
        }
        case 'in-object':
          pos = this.scanObject(line, pos);
          if (pos === -1) return;
          break;
        default: {
          const unreachable: never = this.mode;
          throw new Error(`unknown scanner mode ${String(unreachable)}`);
        }
      }
    }
  }

  result(): HandoffResult {
    switch (this.mode) {
      case 'in-object':
        return malformed(
          `${HANDOFF_MARKER} object never closed (output ended inside it)`,
          this.parts.join(''),
        );
      case 'awaiting-brace':
        return malformed(`no JSON object after ${HANDOFF_MARKER}`, '');
      case 'idle':
        return this.completed;
      default: {
        const unreachable: never = this.mode;
        throw new Error(`unknown scanner mode ${String(unreachable)}`);
      }
    }
  }

  /** Starts over at a marker; returns where scanning continues. */
  private startCandidate(markerIndex: number): number {
    this.mode = 'awaiting-brace';
    this.onMarkerLine = true;
    this.parts = [];
    this.length = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.completed = { status: 'missing' };
    return markerIndex + HANDOFF_MARKER.length;
  }

  /**
   * Scans the object from `from` on. Returns the index after the closing
   * brace or after a restarting marker, or -1 when the line is used up.
   */
  private scanObject(line: string, from: number): number {
    for (let i = from; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
      } else if (c === QUOTE) {
        this.inString = true;
      } else if (c === OPEN_BRACE) {
        this.depth++;
      } else if (c === CLOSE_BRACE) {
        this.depth--;
        if (this.depth === 0) {
          if (!this.append(line.slice(from, i + 1))) return i + 1;
          this.completed = parseCandidate(this.parts.join(''));
          this.parts = [];
          this.length = 0;
          this.mode = 'idle';
          return i + 1;
        }
      } else if (c === MARKER_FIRST && line.startsWith(HANDOFF_MARKER, i)) {
        return this.startCandidate(i);
      }
    }
    // JSON strings cannot span lines, so a newline inside one is malformed
    // anyway; keep it so JSON.parse reports the problem.
    this.append(line.slice(from) + '\n');
    return -1;
  }

  /** Adds to the candidate; past the cap the candidate is abandoned as malformed. */
  private append(text: string): boolean {
    if (this.length + text.length > MAX_HANDOFF_CHARS) {
      const preview = (this.parts.join('') + text).slice(0, RAW_PREVIEW_CHARS);
      this.abandon(`${HANDOFF_MARKER} object larger than ${MAX_HANDOFF_CHARS} characters`, preview);
      return false;
    }
    this.parts.push(text);
    this.length += text.length;
    return true;
  }

  private abandon(error: string, raw: string): void {
    this.completed = malformed(error, raw);
    this.parts = [];
    this.length = 0;
    this.mode = 'idle';
  }
}

/** Scans a complete output (for example a log file read back). */
export function extractHandoff(text: string): HandoffResult {
  const scanner = new HandoffScanner();
  for (const line of text.split(/\r?\n/)) scanner.feed(line);
  return scanner.result();
}

function parseCandidate(raw: string): HandoffResult {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return malformed(`invalid JSON after ${HANDOFF_MARKER}: ${(error as Error).message}`, raw);
  }
  const parsed = HandoffSchema.safeParse(value);
  if (parsed.success) return { status: 'valid', handoff: parsed.data };
  const issues = parsed.error.issues
    .slice(0, MAX_REPORTED_ISSUES)
    .map(
      (issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`,
    );
  const more = parsed.error.issues.length - issues.length;
  return malformed(`invalid handoff: ${issues.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`, raw);
}

function malformed(error: string, raw: string): HandoffResult {
  return { status: 'malformed', error, raw };
}
