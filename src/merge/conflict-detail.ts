/**
 * The detail of a merge rejected as a conflict names the conflicting paths;
 * the scheduler reads them back to keep the unit's next attempt away from
 * units expected to touch them. Writer and reader live here together.
 */

const MARKER = ' conflicted in: ';

export function conflictDetail(workingBranch: string, paths: readonly string[]): string {
  return `rebase onto ${workingBranch}${MARKER}${paths.join(', ')}`;
}

/** The paths a conflict's detail names (none for any other detail). */
export function conflictedPaths(detail: string): string[] {
  const firstLine = detail.split('\n')[0] ?? '';
  const at = firstLine.indexOf(MARKER);
  if (at === -1) return [];
  return firstLine
    .slice(at + MARKER.length)
    .split(', ')
    .map((path) => path.trim())
    .filter((path) => path !== '');
}
