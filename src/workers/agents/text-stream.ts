import type { AgentStream } from './types.js';

/** Plain text output: every line is progress and its own text; the tool reports no usage or verdict. */
export function textStream(): AgentStream {
  return {
    read: (line) => ({ text: line, activity: 'progress' }),
    usage: () => null,
    finish: () => ({ sessionId: null, usage: null, failure: null }),
  };
}

/** A JSON object line, or undefined for anything else (prose, a truncated line). */
export function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
