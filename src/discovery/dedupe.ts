import { toValidUnitId, unitIdProblem } from '../plan/validate.js';
import {
  filesKey,
  normalizeTitle,
  proposalKeys,
  titleKey,
  type Proposal,
  type ProposalSource,
} from './proposal.js';

/**
 * De-duplication of proposals against the plan, earlier proposals and each
 * other. Two pieces of work are the same when
 *   - their normalized titles are equal ("Fix: parse dates!" = "fix parse dates"),
 *   - they name the same failing test (one failing test, one unit, however
 *     many snapshots saw it fail), or
 *   - they touch the same non-empty set of files within one kind of work:
 *     findings of the same check in the same file are one cluster in every
 *     snapshot, whatever their count. For planned work (plan units and the
 *     discovery agent's proposals, which the planner and the discovery
 *     agent write alike) and for handoff discoveries, files alone do not
 *     make work the same ("Validate input" and "Escape output" may both
 *     touch src/form.ts): their titles must share at least half of their
 *     words too, not counting the words of the file names. Across kinds
 *     files say nothing: a lint cluster and a type cluster in one file are
 *     two jobs, and a failing test beside a finding in its file is another.
 * Everything else is kept: a wrong merge loses work, a missed one costs a
 * click. Keys are strings (see proposal.ts) so earlier proposals compare by
 * what the store kept of them.
 */
export interface ExistingWork {
  units: { id: string; title: string; prompt: string; files?: string[] }[];
  proposals: { keys: string[]; unitId: string }[];
}

export interface Duplicate {
  proposal: Proposal;
  /** The unit or proposal it duplicates, by id. */
  of: string;
  /** Which key matched, in words. */
  why: string;
}

export function dedupe(
  proposals: readonly Proposal[],
  existing: ExistingWork,
): { fresh: Proposal[]; duplicates: Duplicate[] } {
  const seen = new Map<string, Earlier[]>();
  const remember = (keys: readonly string[], id: string, what: string): void => {
    const earlier = { id, what, words: titleWords(keys) };
    for (const key of keys) seen.set(key, [...(seen.get(key) ?? []), earlier]);
  };
  for (const unit of existing.units) remember(unitKeys(unit), unit.id, `plan unit "${unit.id}"`);
  for (const proposal of existing.proposals)
    remember(proposal.keys, proposal.unitId, `earlier proposal "${proposal.unitId}"`);

  const fresh: Proposal[] = [];
  const duplicates: Duplicate[] = [];
  for (const proposal of proposals) {
    const words = titleWords(proposal.keys);
    const match = proposal.keys
      .map((key) => ({
        key,
        earlier: seen
          .get(key)
          ?.find((candidate) => !needsSimilarTitle(key) || similar(words, candidate.words)),
      }))
      .find((candidate) => candidate.earlier);
    if (match?.earlier) {
      const also = needsSimilarTitle(match.key) ? ' and a similar title' : '';
      duplicates.push({
        proposal,
        of: match.earlier.id,
        why: `${describeKey(match.key)}${also} as ${match.earlier.what}`,
      });
      continue;
    }
    fresh.push(proposal);
    remember(proposal.keys, proposal.unitId, `proposal "${proposal.unitId}" of the same batch`);
  }
  return { fresh, duplicates };
}

interface Earlier {
  id: string;
  what: string;
  words: Set<string>;
}

/** Files of planned work or of a handoff: the same work only with a similar title. */
function needsSimilarTitle(key: string): boolean {
  return key.startsWith('files:work:') || key.startsWith('files:handoff:');
}

const JOINING_WORDS = new Set([
  'a',
  'an',
  'the',
  'of',
  'in',
  'on',
  'to',
  'for',
  'and',
  'with',
  'from',
  'at',
  'by',
]);

/** A title's words, without joining words and those of the files it names (they say where, not what). */
function titleWords(keys: readonly string[]): Set<string> {
  const title = keys.find((key) => key.startsWith('title:'))?.slice('title:'.length) ?? '';
  const files = keys.find((key) => key.startsWith('files:'));
  const fileWords = new Set(
    normalizeTitle(files?.slice(files.indexOf(':', 'files:'.length) + 1) ?? '').split(' '),
  );
  return new Set(
    title.split(' ').filter((word) => word !== '' && !fileWords.has(word) && !JOINING_WORDS.has(word)),
  );
}

/** At least half of all their words in common. */
function similar(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const shared = [...a].filter((word) => b.has(word)).length;
  const all = new Set([...a, ...b]).size;
  return all > 0 && shared * 2 >= all;
}

/** A plan unit's keys: its title, and its files as planned work. */
export function unitKeys(unit: { title: string; files?: readonly string[] }): string[] {
  return proposalKeys(titleKey(unit.title), filesKey('work', unit.files ?? []));
}

function describeKey(key: string): string {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  const value = key.slice(colon + 1);
  switch (kind) {
    case 'title':
      return `same title ("${value}")`;
    case 'test':
      return `same failing test ("${value}")`;
    case 'files': {
      const files = value.slice(value.indexOf(':') + 1);
      return `same files (${files.split(',').join(', ')})`;
    }
    default:
      return `same ${kind} ("${value}")`;
  }
}

/** Proposed unit ids stay short: they become part of branch names and fit a screen. */
export const MAX_PROPOSAL_ID_LENGTH = 40;

const PREFIX: Record<ProposalSource, string> = {
  health: 'fix-',
  handoff: 'disc-',
  agent: 'disc-',
  fixup: 'fixup-',
};

/**
 * Gives each proposal an id made from its title: the prefix of its source
 * (`fix-`, `disc-`, `fixup-`), the title's words (a leading word the prefix
 * already says is dropped), cut at a word to at most 40 characters, made
 * unique against `taken` (every id the run has used, removed units too, so
 * an id never means two things) and each other with `-2`, `-3`.
 */
export function assignIds(proposals: readonly Proposal[], taken: ReadonlySet<string>): Proposal[] {
  const used = new Set(taken);
  return proposals.map((proposal) => {
    const id = freeId(baseId(proposal), used);
    used.add(id);
    return { ...proposal, unitId: id };
  });
}

function baseId(proposal: Proposal): string {
  const prefix = PREFIX[proposal.source];
  const stem = prefix.slice(0, -1);
  let words = proposal.title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words[0] === stem || (stem.startsWith('fix') && words[0] === 'fix')) words = words.slice(1);
  const slug = words.length === 0 ? 'work' : words.join('-');
  const cut = cutAtWord(`${prefix}${slug}`, MAX_PROPOSAL_ID_LENGTH);
  // A cut that ends on a joining word reads unfinished: "fix-dates-in".
  return toValidUnitId(
    cut.length > prefix.length + 8 ? cut.replace(/(?:-(?:in|of|on|to|for|and|the|a|an))+$/, '') : cut,
  );
}

function freeId(base: string, used: ReadonlySet<string>): string {
  if (!used.has(base) && unitIdProblem(base) === undefined) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const id = `${toValidUnitId(cutAtWord(base, MAX_PROPOSAL_ID_LENGTH - suffix.length))}${suffix}`;
    if (!used.has(id)) return id;
  }
}

/** At most `max` characters, ending at a '-' when one is in the second half. */
function cutAtWord(id: string, max: number): string {
  if (id.length <= max) return id;
  const cut = id.slice(0, max);
  const dash = cut.lastIndexOf('-');
  return dash > max / 2 ? cut.slice(0, dash) : cut;
}
