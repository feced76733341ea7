/**
 * A proposed unit of work: something gaffer found (a failing test, a cluster
 * of findings, a handoff's discovery, a discovery agent's answer, a red
 * working branch) that could join the plan. Its prompt stands alone: the
 * agent that takes it on sees nothing else of where it came from.
 */
export type ProposalSource = 'health' | 'handoff' | 'agent' | 'fixup';

export interface Proposal {
  /** A valid unit id; unique once assignIds has run over it. */
  unitId: string;
  title: string;
  /** What to do, and what failed, by name. */
  prompt: string;
  dependsOn: string[];
  /** Repository-relative paths it is expected to touch: hints, never a promise. */
  files: string[];
  source: ProposalSource;
  /** Where it came from, in words for a person. */
  discoveredFrom: string;
  /** What de-duplication compares (see dedupe.ts). */
  keys: string[];
}

/**
 * A title reduced to what tells two titles apart: lower case, punctuation
 * and runs of spaces gone. Words are kept, verbs too: "Add retries" and
 * "Remove retries" are different work.
 */
export function normalizeTitle(title: string): string {
  return title
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function titleKey(title: string): string {
  return `title:${normalizeTitle(title)}`;
}

/** A failing test, by the name its parser gave it. */
export function testKey(test: string): string {
  return `test:${test}`;
}

/**
 * The files a proposal touches, within one kind of work: findings of one
 * check (`health/<check>`), handoff discoveries (`handoff`), and planned
 * work (`work`: plan units and the discovery agent's proposals, which the
 * planner and the discovery agent write alike). Undefined for no files.
 */
export function filesKey(kind: string, files: readonly string[]): string | undefined {
  const sorted = [...new Set(files)].sort();
  return sorted.length === 0 ? undefined : `files:${kind}:${sorted.join(',')}`;
}

/** Keys in a stable order, without repeats or gaps. */
export function proposalKeys(...keys: (string | undefined)[]): string[] {
  return [...new Set(keys.filter((key): key is string => key !== undefined))];
}

/** A title's first line, at most `max` characters, cut at a word. */
export function shortTitle(text: string, max = 80): string {
  const line = text.trim().split(/\r?\n/, 1)[0]?.trim() ?? '';
  if (line.length <= max) return line;
  const cut = line.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The first lines of a list, and how many were left out. */
export function capList(items: readonly string[], max: number, noun: string): string[] {
  if (items.length <= max) return [...items];
  return [...items.slice(0, max), `… and ${items.length - max} more ${noun}`];
}

/** A commit as people read it. */
export function shortCommit(commit: string): string {
  return commit.slice(0, 10);
}

/** "(round 2)", "(baseline)", "(baseline, round 2)": when a snapshot was taken. */
export function snapshotWhen(context: { round: number | null; label: string }): string {
  if (context.round === null) return `(${context.label})`;
  return context.label === 'round'
    ? `(round ${context.round})`
    : `(${context.label}, round ${context.round})`;
}

/** Lines indented under a heading in a prompt. */
export function indent(lines: readonly string[], by = '  '): string {
  return lines.map((line) => (line === '' ? '' : `${by}${line}`)).join('\n');
}
