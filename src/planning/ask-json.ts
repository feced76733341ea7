import { askAgent, type AskSpec } from './ask-agent.js';
import { extractJson } from './extract-json.js';

/**
 * Asks an agent for a JSON answer and checks it; an unusable answer (prose,
 * invalid JSON, a value the check rejects) is sent back once with the exact
 * error and the agent's previous output. The caller decides what a second
 * failure means.
 */

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

export interface AskJsonSpec<T> extends Omit<AskSpec, 'prompt'> {
  prompt: string;
  check: (value: unknown) => Checked<T>;
  /** Told before each question and after an unusable answer. */
  onProgress?: (message: string) => void;
}

export type AskJsonResult<T> =
  { ok: true; value: T; attempts: number } | { ok: false; error: string; attempts: number };

/** The most of a previous answer sent back with the error: its end, where the answer is. */
const PREVIOUS_OUTPUT_CHARS = 12_000;

export async function askForJson<T>(spec: AskJsonSpec<T>): Promise<AskJsonResult<T>> {
  const { check, onProgress, ...ask } = spec;
  let prompt = spec.prompt;
  let error = '';
  for (let attempt = 1; attempt <= 2; attempt += 1) {
    onProgress?.(`asking the ${spec.label} agent${attempt === 2 ? ' once more' : ''}`);
    const answer = await askAgent({ ...ask, prompt });
    const text = answer.lines.join('\n');
    const extracted = extractJson(text);
    const checked: Checked<T> = extracted.ok ? check(extracted.value) : extracted;
    if (checked.ok) return { ok: true, value: checked.value, attempts: attempt };
    error = checked.error;
    onProgress?.(`the ${spec.label} agent's answer cannot be used: ${error}`);
    prompt = retryPrompt(spec.prompt, error, text);
  }
  return { ok: false, error, attempts: 2 };
}

/** The first question again, with what was wrong and what the agent printed. */
export function retryPrompt(original: string, error: string, previous: string): string {
  const trimmed = previous.trim();
  const shown =
    trimmed.length > PREVIOUS_OUTPUT_CHARS ? `…${trimmed.slice(-PREVIOUS_OUTPUT_CHARS)}` : trimmed;
  return [
    original,
    '',
    '## Your previous answer could not be used',
    '',
    'The error:',
    '',
    error,
    '',
    `What you printed${shown.length < trimmed.length ? ' (its end)' : ''}:`,
    '',
    shown === '' ? '(nothing)' : shown,
    '',
    'Answer again: print the whole corrected answer as one JSON object in a ```json fenced block.',
  ].join('\n');
}
