/**
 * The text an agent receives: the unit's prompt, the feedback of earlier
 * attempts (indented, so that it is quoted text and never an instruction line
 * of the scripted agent), and how to report the result.
 */
export function buildPrompt(unit: { id: string; title: string; prompt: string }, feedback: string): string {
  const parts = [`# ${unit.title} (unit ${unit.id})`, '', unit.prompt.trimEnd()];
  if (feedback.trim() !== '') {
    parts.push('', '## Feedback from earlier attempts', '');
    parts.push(
      ...feedback
        .trimEnd()
        .split('\n')
        .map((line) => `    ${line}`),
    );
  }
  parts.push(
    '',
    '## When you finish',
    '',
    'Commit your work on the current branch. Then print one line starting with GAFFER_RESULT followed by a JSON',
    'object: {"status": "done" | "partial" | "failed" | "blocked", "summary": "...", "files_changed": [...],',
    '"concerns": [...], "discoveries": [...]}.',
    '',
  );
  return parts.join('\n');
}
