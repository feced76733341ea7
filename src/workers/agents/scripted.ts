import { parseJsonLine } from './text-stream.js';
import type { AgentStream, Usage } from './types.js';

const USAGE_MARKER = 'GAFFER_USAGE ';

/**
 * The scripted agent's output: plain text, except `GAFFER_USAGE {...}` lines
 * (its `@cost` directive), which carry the attempt's usage so far.
 */
export function scriptedStream(): AgentStream {
  let usage: Usage | null = null;
  return {
    read(line) {
      if (!line.startsWith(USAGE_MARKER)) return { text: line, activity: 'progress' };
      const reported = readUsage(line.slice(USAGE_MARKER.length));
      if (reported) usage = reported;
      return { text: '', activity: 'progress' };
    },
    usage: () => usage,
    finish: () => ({ sessionId: null, usage, failure: null }),
  };
}

function readUsage(json: string): Usage | null {
  const fields = parseJsonLine(json);
  if (!fields) return null;
  const count = (value: unknown): number =>
    typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
  return {
    inputTokens: count(fields.inputTokens),
    outputTokens: count(fields.outputTokens),
    cachedTokens: count(fields.cachedTokens),
    costUsd: typeof fields.costUsd === 'number' && Number.isFinite(fields.costUsd) ? fields.costUsd : null,
  };
}
