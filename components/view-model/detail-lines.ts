/**
 * A unit's detail as the lines the detail view scrolls through, wrapped to
 * its width: nothing is cut (the diff is bounded where it is read, and says
 * so). Pure: the view fetches the detail and draws these lines.
 */
import type { UnitDetail } from '../../src/report/unit-detail.js';
import { describeAttribution } from '../../src/report/unit-detail.js';
import { formatTokens, formatUsd } from '../../src/report/cost.js';
import { toTerminalText } from '../../src/util/terminal-text.js';
import { formatDuration, wrapText } from '../format.js';
import { cellWidth } from './screen-text.js';

/** How a line is drawn: a heading, good, bad, dim, or plain. */
export type Tone = 'heading' | 'ok' | 'bad' | 'muted' | 'plain';

export interface DetailLine {
  text: string;
  tone: Tone;
}

/** Every section of the detail, in order, each under a heading. */
export function detailLines(detail: UnitDetail, width: number): DetailLine[] {
  const out: DetailLine[] = [];
  const add = (text: string, tone: Tone = 'plain', indent = ''): void => {
    const room = Math.max(1, width - indent.length);
    for (const line of wrapText(clean(text), room)) out.push({ text: `${indent}${line}`, tone });
  };
  // Output and diffs keep their indentation: cut at the width, not at spaces.
  const raw = (text: string, tone: Tone = 'plain', indent = ''): void => {
    const room = Math.max(1, width - indent.length);
    for (const line of hardWrap(clean(text), room)) out.push({ text: `${indent}${line}`, tone });
  };
  const heading = (text: string): void => {
    if (out.length > 0) out.push({ text: '', tone: 'plain' });
    out.push({ text, tone: 'heading' });
  };

  heading('Reason');
  add(detail.reason || '(no reason recorded)', detail.status === 'failed' ? 'bad' : 'plain');
  const origin = detail.origin === 'plan' ? 'the plan file' : `${detail.origin}`;
  add(`joined by ${origin}${detail.discoveredFrom ? ` (from ${detail.discoveredFrom})` : ''}`, 'muted');
  if (detail.dependsOn.length > 0) add(`depends on ${detail.dependsOn.join(', ')}`, 'muted');
  if (detail.waitingOn.length > 0) add(`waits on ${detail.waitingOn.join('; ')}`, 'muted');

  heading('Verdict');
  if (detail.merges.length === 0) add('never reached the merge queue', 'muted');
  for (const merge of detail.merges) {
    const cls = merge.rejectClass ? ` (${merge.rejectClass})` : '';
    const attempt = merge.attempt === null ? '' : ` of attempt ${merge.attempt}`;
    add(
      `merge #${merge.id}${attempt}: ${merge.status}${cls}`,
      merge.status === 'rejected' ? 'bad' : merge.status === 'merged' ? 'ok' : 'plain',
    );
    if (merge.detail) add(merge.detail, 'plain', '  ');
    for (const check of merge.checks) {
      const counts = check.counts
        ? ` ${check.counts.passed}✓ ${check.counts.failed}✗ ${check.counts.errors}!`
        : '';
      const gate = check.gate ? '' : ' (not gating)';
      add(
        `${check.name}: ${check.passed ? 'passed' : 'failed'}${gate}${counts}${check.flaky ? ' flaky' : ''}`,
        check.passed ? 'ok' : 'bad',
        '  ',
      );
      if (check.note) add(check.note, 'muted', '    ');
      for (const name of check.failing) add(`✗ ${name}`, 'bad', '    ');
      for (const finding of check.findings) add(`! ${finding}`, 'bad', '    ');
      for (const line of check.tail) raw(line, 'muted', '    ');
    }
  }

  heading('Attribution');
  if (detail.broke.length === 0 && detail.inherited.length === 0)
    add('no failure on the working branch is attributed to this unit', 'muted');
  for (const found of detail.broke) add(`broke: ${describeAttribution(found)}`, 'bad');
  for (const found of detail.inherited) add(`not this change: ${describeAttribution(found)}`, 'muted');

  heading('Handoff');
  const summaries = detail.attempts.filter((attempt) => attempt.handoffSummary !== null);
  if (summaries.length === 0) add('no attempt printed a readable handoff', 'muted');
  for (const attempt of summaries) add(`#${attempt.number}: ${attempt.handoffSummary ?? ''}`);

  heading(`Attempts (${detail.attempts.length})`);
  if (detail.attempts.length === 0) add('none yet', 'muted');
  for (const attempt of detail.attempts) {
    const duration = attempt.durationMs === null ? 'running' : formatDuration(attempt.durationMs);
    const tokens = attempt.inputTokens + attempt.outputTokens;
    const cost = [
      ...(attempt.costUsd === null ? [] : [formatUsd(attempt.costUsd)]),
      ...(tokens > 0 ? [`${formatTokens(tokens)} tok`] : []),
    ].join(' ');
    const kind = attempt.failureKind ? ` [${attempt.failureKind}]` : '';
    const parts = [
      `#${attempt.number}`,
      `round ${attempt.round}`,
      `${attempt.outcome}${kind}`,
      duration,
      ...(cost ? [cost] : []),
      attempt.startMode,
    ];
    const tone = attempt.outcome === 'failed' || attempt.outcome === 'timed-out' ? 'bad' : 'plain';
    add(`${parts.join(' · ')}: ${attempt.reason || '(no reason)'}`, tone);
    add(
      `head ${attempt.headCommit?.slice(0, 10) ?? 'none'} · log ${attempt.logPath}${attempt.startReason ? ` · ${attempt.startReason}` : ''}`,
      'muted',
      '  ',
    );
  }

  heading('Diff stat');
  if (!detail.diff) add(detail.diffNote ?? 'no diff', 'muted');
  else {
    add(`${detail.diff.base.slice(0, 10)}..${detail.diff.head.slice(0, 10)}`, 'muted');
    for (const line of detail.diff.stat) raw(line);
    heading('Diff');
    for (const line of detail.diff.lines) raw(line, diffTone(line));
    if (detail.diff.cut) add(detail.diff.cut, 'muted');
  }
  return out;
}

function diffTone(line: string): Tone {
  if (line.startsWith('+++') || line.startsWith('---')) return 'heading';
  if (line.startsWith('+')) return 'ok';
  if (line.startsWith('-')) return 'bad';
  if (line.startsWith('@@')) return 'muted';
  return 'plain';
}

/** Lines of at most `width` columns, cut where the width ends (its own line breaks kept). */
export function hardWrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    let used = 0;
    for (const char of paragraph) {
      const w = cellWidth(char);
      if (used + w > width && line !== '') {
        lines.push(line);
        line = '';
        used = 0;
      }
      line += char;
      used += w;
    }
    lines.push(line);
  }
  return lines;
}

/** Recorded text can hold anything an agent or a tool printed: no escape sequences, tabs as spaces. */
function clean(text: string): string {
  return toTerminalText(text, { multiline: true }).replace(/\t/g, '  ').replace(/\s+$/, '');
}
