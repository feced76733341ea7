/**
 * The text an agent receives. A cold start gets, in order: the plan's
 * objective, the unit (title, id, prompt), what its dependencies did (their
 * handoff summaries and changed files), on a retry how the previous attempt
 * ended (its class and its trimmed output), and how to report the result. A
 * warm start resumes the agent's own session, which already holds the unit's
 * prompt: it gets only what failed and how to report.
 *
 * Everything an agent or a check wrote (summaries, file names, output) is
 * indented by four spaces: quoted text, never an instruction line of the
 * scripted agent (its directives start with '@' in column 0).
 */

export interface PromptUnit {
  id: string;
  title: string;
  prompt: string;
}

/** A done dependency, as its merged attempt's handoff described it. */
export interface DependencyReport {
  id: string;
  title: string;
  /** The handoff's summary; null when its attempt printed no readable handoff. */
  summary: string | null;
  filesChanged: readonly string[];
}

/** How the previous attempt ended, for a retry. */
export interface PreviousFailure {
  attempt: number;
  /** The failure's class in a few words ("merge rejected: red", "the agent's failure: max-turns"). */
  failureClass: string;
  /** Why it ended, and its last output: the feedback gaffer recorded. */
  detail: string;
}

export interface PromptParts {
  objective?: string | undefined;
  unit: PromptUnit;
  dependencies?: readonly DependencyReport[];
  previous?: PreviousFailure | undefined;
}

/** Quoted output is cut to this many lines and bytes (its first line and its last lines are kept). */
export const QUOTE_MAX_LINES = 60;
export const QUOTE_MAX_BYTES = 8 * 1024;
/** At most this many changed files are listed per dependency. */
const FILES_PER_DEPENDENCY = 30;

export function buildPrompt(parts: PromptParts): string {
  const lines: string[] = [];
  const objective = parts.objective?.trim() ?? '';
  if (objective !== '') lines.push('## Objective', '', objective, '');
  lines.push(`# ${parts.unit.title} (unit ${parts.unit.id})`, '', parts.unit.prompt.trimEnd());
  const dependencies = parts.dependencies ?? [];
  if (dependencies.length > 0) {
    lines.push('', '## What its dependencies did', '');
    for (const dependency of dependencies) lines.push(...describeDependency(dependency));
  }
  if (parts.previous) lines.push('', ...previousSection(parts.previous));
  lines.push('', ...HANDOFF_INSTRUCTIONS);
  return lines.join('\n');
}

/** A warm retry: the resumed session already knows the unit; it hears what failed and how to report. */
export function buildContinuationPrompt(unit: PromptUnit, previous: PreviousFailure): string {
  return [
    `# ${unit.title} (unit ${unit.id}): continue`,
    '',
    `Your previous attempt (attempt ${previous.attempt}) on this unit did not succeed. Fix what failed,`,
    'starting from the work already on your branch.',
    '',
    ...previousSection(previous),
    '',
    ...HANDOFF_INSTRUCTIONS,
  ].join('\n');
}

const HANDOFF_INSTRUCTIONS = [
  '## When you finish',
  '',
  'Commit your work on the current branch. Then print one line starting with GAFFER_RESULT followed by a JSON',
  'object: {"status": "done" | "partial" | "failed" | "blocked", "summary": "...", "files_changed": [...],',
  '"concerns": [...], "discoveries": [...]}.',
  '',
];

function previousSection(previous: PreviousFailure): string[] {
  const lines = [
    '## How the previous attempt ended',
    '',
    `Attempt ${previous.attempt}: ${previous.failureClass}.`,
  ];
  const detail = trimQuoted(previous.detail);
  if (detail !== '') lines.push('', ...quote(detail));
  return lines;
}

function describeDependency(dependency: DependencyReport): string[] {
  const lines = [`- ${dependency.id} (${dependency.title}), done:`];
  lines.push(...quote(trimQuoted(dependency.summary ?? '(it printed no readable handoff)', 20)));
  const files = dependency.filesChanged;
  if (files.length > 0) {
    const shown = files.slice(0, FILES_PER_DEPENDENCY);
    const more = files.length - shown.length;
    lines.push(`  files changed:`, ...quote(shown.join('\n')));
    if (more > 0) lines.push(`    … and ${more} more`);
  }
  return lines;
}

/** Four spaces before every line: quoted text, never a directive. */
export function quote(text: string): string[] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`);
}

/**
 * Cuts long output to `maxLines` and `maxBytes`: keeps its first line (what
 * happened) and its last lines (where output ends), and says what was cut.
 */
export function trimQuoted(text: string, maxLines = QUOTE_MAX_LINES, maxBytes = QUOTE_MAX_BYTES): string {
  const all = text.trimEnd().split('\n');
  const totalBytes = Buffer.byteLength(all.join('\n'));
  if (all.length <= maxLines && totalBytes <= maxBytes) return all.join('\n');
  const [first = '', ...rest] = all;
  const head = truncateBytes(first, Math.floor(maxBytes / 4));
  const kept: string[] = [];
  let bytes = Buffer.byteLength(head);
  for (let index = rest.length - 1; index >= 0 && kept.length < maxLines - 2; index -= 1) {
    const line = rest[index] ?? '';
    const size = Buffer.byteLength(line) + 1;
    if (bytes + size > maxBytes) break;
    kept.unshift(line);
    bytes += size;
  }
  const cutLines = rest.length - kept.length;
  const cutBytes = totalBytes - Buffer.byteLength([head, ...kept].join('\n'));
  return [head, `[… ${cutLines} line(s), ${cutBytes} bytes cut …]`, ...kept].join('\n');
}

function truncateBytes(line: string, maxBytes: number): string {
  if (Buffer.byteLength(line) <= maxBytes) return line;
  // Cut by characters until it fits, so no multi-byte character is split.
  let end = Math.min(line.length, maxBytes);
  while (end > 0 && Buffer.byteLength(line.slice(0, end)) > maxBytes - 3) end -= 1;
  return `${line.slice(0, end)}…`;
}
