import { toValidUnitId, unitIdProblem } from '../plan/validate.js';
import { filesKey, proposalKeys, titleKey, type Proposal, type ProposalSource } from './proposal.js';

/**
 * De-duplication of proposals against the plan, earlier proposals and each
 * other. Two pieces of work are the same when
 *   - their normalized titles are equal ("Fix: parse dates!" = "fix parse dates"),
 *   - they name the same failing test (one failing test, one unit, however
 *     many snapshots saw it fail), or
 *   - they touch the same non-empty set of files within one kind of work:
 *     findings of the same check in the same file are one cluster in every
 *     snapshot; a discovery agent's proposal on exactly a plan unit's files
 *     is that unit (both are planned work). Across kinds files say nothing:
 *     a lint cluster and a type cluster in one file are two jobs, and a
 *     failing test beside a finding in its file is another.
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
  const seen = new Map<string, { id: string; what: string }>();
  const remember = (keys: readonly string[], id: string, what: string): void => {
    for (const key of keys) if (!seen.has(key)) seen.set(key, { id, what });
  };
  for (const unit of existing.units) remember(unitKeys(unit), unit.id, `plan unit "${unit.id}"`);
  for (const proposal of existing.proposals)
    remember(proposal.keys, proposal.unitId, `earlier proposal "${proposal.unitId}"`);

  const fresh: Proposal[] = [];
  const duplicates: Duplicate[] = [];
  for (const proposal of proposals) {
    const match = proposal.keys.map((key) => ({ key, earlier: seen.get(key) })).find((m) => m.earlier);
    if (match?.earlier) {
      duplicates.push({
        proposal,
        of: match.earlier.id,
        why: `${describeKey(match.key)} as ${match.earlier.what}`,
      });
      continue;
    }
    fresh.push(proposal);
    remember(proposal.keys, proposal.unitId, `proposal "${proposal.unitId}" of the same batch`);
  }
  return { fresh, duplicates };
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
