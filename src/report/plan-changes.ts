/**
 * The words for a plan that changes while it runs (live edits, discovered and
 * fixup units), shared by every output: the headless lines, the screen's
 * message line, the summary and `gaffer status`.
 */
import type { GafferEvents, UnitOrigin } from '../events/types.js';
import { toTerminalText } from '../util/terminal-text.js';

/** How a unit joined its run, as "added by …" ends. */
export const ORIGIN_WORDS: Record<UnitOrigin, string> = {
  plan: 'the plan',
  edit: 'an edit of the plan file',
  discovery: 'discovery',
  fixup: 'a fixup',
};

/** What a taken edit changed: `added docs; updated lexer (prompt); not taken: …`. */
export function planEditText(p: GafferEvents['plan:edited']): string {
  const parts = [
    p.added.length > 0 ? `added ${p.added.join(', ')}` : '',
    p.updated.length > 0
      ? `updated ${p.updated.map((unit) => `${unit.id} (${unit.fields.join(', ')})`).join(', ')}`
      : '',
    p.removed.length > 0 ? `removed ${p.removed.join(', ')}` : '',
    p.objectiveChanged ? 'objective changed' : '',
    ...p.refused.map((refusal) => `not taken: ${refusal}`),
  ].filter((part) => part !== '');
  return parts.length > 0 ? parts.join('; ') : 'nothing changed';
}

/**
 * An ignored edit, on one line: that the running plan stays, then the error's
 * first line; a longer error says how many lines follow and where to read
 * them all (`--json` carries the whole text too).
 */
export function editRejectionText(p: GafferEvents['plan:edit-rejected']): string {
  const lines = toTerminalText(p.error, { multiline: true })
    .split('\n')
    .filter((line) => line.trim() !== '');
  const first = lines[0] ?? 'the plan file could not be read';
  const more =
    lines.length > 1
      ? ` (+${lines.length - 1} line${lines.length === 2 ? '' : 's'}: \`gaffer doctor --plan ${toTerminalText(p.path)}\` lists every problem)`
      : '';
  return `edit ignored, the running plan stays as it was: ${first}${more}`;
}
