/**
 * File patterns: what a unit expects to touch, relative to the repository
 * root. A pattern is a path ("src/parse.ts"), a folder ("src/api/"), or a glob
 * where `*` matches within one path segment and `**` across segments ("src/**",
 * "test/*.test.ts"). A plain path also stands for everything under it, since
 * "src/api" may well mean the folder (against a glob, only when its last name
 * has no extension: "src/parse.ts" is a file).
 *
 * Two patterns overlap when some file could match both. When that cannot be
 * told (two globs, or a bracket or brace glob gaffer does not expand), they
 * overlap when their fixed prefixes do: holding a unit back for nothing costs
 * time, running two on the same file costs a conflict.
 *
 * The matcher is this file's own: Node's `path.matchesGlob` is missing from
 * the Node 20 releases gaffer supports (it came in 20.17, as experimental),
 * and no glob library is a dependency.
 */

const GLOB_CHARACTERS = /[*?[{]/;

/** Why `pattern` cannot be a plan's file hint, or undefined when it can. */
export function filePatternProblem(pattern: string): string | undefined {
  if (/^([/\\]|[A-Za-z]:)/.test(pattern))
    return 'it is an absolute path; write it relative to the repository root (e.g. "src/api/")';
  if (pattern.includes('..') && pattern.split(/[/\\]/).includes('..'))
    return 'it contains ".."; name files inside the repository, relative to its root';
  return undefined;
}

/** The pattern as paths are compared: "/" separators, no "./" and no doubled "/". */
export function normalizeFilePattern(pattern: string): string {
  return pattern
    .replace(/\\/g, '/')
    .replace(/\/{2,}/g, '/')
    .replace(/^(\.\/)+/, '');
}

export function isGlob(pattern: string): boolean {
  return GLOB_CHARACTERS.test(pattern);
}

/** A path or folder with no glob in it: a file a reader can open. */
export function isPlainPath(pattern: string): boolean {
  return !isGlob(pattern) && !pattern.endsWith('/');
}

/** The part of a glob before its first glob character (all of a plain path). */
export function fixedPrefix(pattern: string): string {
  const at = pattern.search(GLOB_CHARACTERS);
  return at === -1 ? pattern : pattern.slice(0, at);
}

/** True when some file could match both patterns (see the top of this file). */
export function filePatternsOverlap(first: string, second: string): boolean {
  const a = normalizeFilePattern(first);
  const b = normalizeFilePattern(second);
  if (!isGlob(a) && !isGlob(b)) return rootsOverlap(a, b);
  if (isGlob(a) && isGlob(b)) {
    const [prefixA, prefixB] = [fixedPrefix(a), fixedPrefix(b)];
    return prefixA.startsWith(prefixB) || prefixB.startsWith(prefixA);
  }
  const [glob, plain] = isGlob(a) ? [a, b] : [b, a];
  return globReaches(segments(glob), segments(plain), mayBeFolder(plain));
}

/** "src/api/" and "src/api" may be folders; "src/parse.ts" is taken for a file. */
function mayBeFolder(plain: string): boolean {
  return plain.endsWith('/') || !(plain.split('/').at(-1) ?? '').includes('.');
}

/** A path or folder stands for itself and everything under it. */
function rootsOverlap(a: string, b: string): boolean {
  const rootA = a.replace(/\/$/, '');
  const rootB = b.replace(/\/$/, '');
  if (rootA === '' || rootB === '') return true;
  return rootA === rootB || rootA.startsWith(`${rootB}/`) || rootB.startsWith(`${rootA}/`);
}

function segments(pattern: string): string[] {
  return pattern.split('/').filter((segment) => segment !== '');
}

/**
 * True when the glob matches the path, or could match something under it when
 * the path may be a folder: the path's segments are matched one by one, and a
 * folder used up before the glob is one the rest of the glob may reach into.
 */
function globReaches(
  glob: readonly string[],
  path: readonly string[],
  folder: boolean,
  g = 0,
  p = 0,
): boolean {
  if (p === path.length) return folder || glob.slice(g).every((segment) => segment === '**');
  if (g === glob.length) return false;
  const segment = glob[g] as string;
  if (segment === '**')
    return globReaches(glob, path, folder, g + 1, p) || globReaches(glob, path, folder, g, p + 1);
  return segmentMatches(segment, path[p] as string) && globReaches(glob, path, folder, g + 1, p + 1);
}

function segmentMatches(glob: string, name: string): boolean {
  // Brackets and braces are not expanded here: such a segment may match anything.
  if (/[[{]/.test(glob)) return true;
  const source = glob
    .split('')
    .map((character) =>
      character === '*' ? '[^/]*' : character === '?' ? '[^/]' : character.replace(/[.+^$()|\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`).test(name);
}
