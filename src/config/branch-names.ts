/**
 * Which names gaffer can use for its base, working and green branches, decided
 * from the config alone (no repository). Git's own ref-name rules are mirrored
 * here so a bad name fails while the config is read; preflight also asks
 * `git check-ref-format` in case git is stricter than this copy.
 */

export type BranchRole = 'base' | 'working' | 'green';

/** A valid name per field, for the "use a name like …" part of every message. */
export const BRANCH_EXAMPLES: Record<BranchRole, string> = {
  base: 'main',
  working: 'gaffer/working',
  green: 'gaffer/green',
};

/** Attempt branches are `gaffer/run-<n>/<unit>/attempt-<k>`: Workspaces.branchName builds them from this prefix. */
export const ATTEMPT_BRANCH_FOLDER = 'gaffer';
export const ATTEMPT_BRANCH_PREFIX = 'gaffer/run-';

/**
 * Why `name` cannot be a branch gaffer works with, or undefined if it can.
 * The reasons are git's (check-ref-format) plus names git accepts but that
 * would be misread: an option (-x), a full ref (refs/…), HEAD.
 */
export function branchNameProblem(name: string): string | undefined {
  if (name.startsWith('-')) return 'it starts with "-", so git commands would read it as an option';
  if (name.startsWith('refs/')) {
    return `it starts with "refs/": give the short name (gaffer adds refs/heads/ itself), e.g. "${shortName(name)}"`;
  }
  if (name === 'HEAD') return "HEAD is git's name for the checked-out commit";
  if (name === '@') return 'git reads a lone "@" as HEAD';
  if (name.includes('@{'))
    return 'it contains "@{", git\'s syntax for reflogs and upstreams (like @{u} or @{-1})';
  if (name.includes('..')) return 'it contains "..", git\'s syntax for a range of commits';
  const forbidden = forbiddenCharacter(name);
  if (forbidden !== undefined) return `it contains ${forbidden}, which git forbids in branch names`;
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) {
    return 'it has an empty part (a leading, trailing or doubled "/")';
  }
  if (name.endsWith('.')) return 'it ends with ".", which git forbids';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return `its part "${part}" starts with ".", which git forbids`;
    if (part.endsWith('.lock'))
      return `its part "${part}" ends with ".lock", which git reserves for its lock files`;
  }
  return undefined;
}

/** The message for a field whose name fails branchNameProblem. */
export function describeBadBranchName(role: BranchRole, name: string, problem: string): string {
  return `${JSON.stringify(name)} is not a usable branch name: ${problem}; use a name like "${BRANCH_EXAMPLES[role]}"`;
}

/**
 * Problems between the three names: each entry is the field it belongs to and
 * the message. Git stores a branch as a file under refs/heads/, so `gaffer`
 * and `gaffer/x` cannot both exist: nesting is as fatal as equality.
 */
export function branchSetProblems(
  branches: Record<BranchRole, string>,
): { role: BranchRole; message: string }[] {
  const problems: { role: BranchRole; message: string }[] = [];
  const roles: BranchRole[] = ['base', 'working', 'green'];
  roles.forEach((role, index) => {
    const name = branches[role];
    for (const other of roles.slice(0, index)) {
      const otherName = branches[other];
      if (name === otherName) {
        problems.push({
          role,
          message: `${JSON.stringify(name)} is also branches.${other}: base, working and green must be three different branches, e.g. "${BRANCH_EXAMPLES.base}", "${BRANCH_EXAMPLES.working}" and "${BRANCH_EXAMPLES.green}"`,
        });
      } else if (nested(name, otherName)) {
        problems.push({
          role,
          message: `${JSON.stringify(name)} and branches.${other} ${JSON.stringify(otherName)} nest (one is a folder of the other), and git cannot hold both; rename one, e.g. "${BRANCH_EXAMPLES[role]}"`,
        });
      }
    }
    const clash = attemptNamespaceClash(name);
    if (clash !== undefined) {
      problems.push({
        role,
        message: `${JSON.stringify(name)} ${clash}; use a name like "${BRANCH_EXAMPLES[role]}"`,
      });
    }
  });
  return problems;
}

/** True when one name is a folder of the other (`a` and `a/b`). */
export function nested(a: string, b: string): boolean {
  return a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/** Why `name` collides with gaffer's attempt branches gaffer/run-<n>/…, if it does. */
export function attemptNamespaceClash(name: string): string | undefined {
  if (name === ATTEMPT_BRANCH_FOLDER) {
    return `would be a branch where gaffer keeps its attempt branches (${ATTEMPT_BRANCH_PREFIX}<n>/…), and git cannot hold both`;
  }
  if (name.startsWith(ATTEMPT_BRANCH_PREFIX)) {
    return `is inside ${ATTEMPT_BRANCH_PREFIX}…, which gaffer keeps for its attempt branches`;
  }
  return undefined;
}

function shortName(ref: string): string {
  const short = ref.replace(/^refs\/(heads\/)?/, '');
  return short === '' ? 'main' : short;
}

function forbiddenCharacter(name: string): string | undefined {
  for (const character of name) {
    const code = character.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) return `a control character (code ${code})`;
    if (character === ' ') return 'a space';
    if ('~^:?*[\\'.includes(character)) return `"${character}"`;
  }
  return undefined;
}
