import type { EventBus } from '../events/bus.js';
import type { GafferEvent } from '../events/types.js';
import { terminalSafe, toTerminalText } from '../util/terminal-text.js';
import { formatSpend } from './cost.js';
import { editRejectionText, ORIGIN_WORDS, planEditText } from './plan-changes.js';

export interface HeadlessOptions {
  json: boolean;
  /** Also print every line the agents print (off by default: it can be a flood). */
  verbose: boolean;
  write: (line: string) => void;
}

/**
 * Headless output: one plain, greppable line per event, or one JSON object per
 * line. Either way no control sequence an agent or a check printed gets
 * through: JSON.stringify would escape them, but a consumer that prints a field
 * would hand them back to a terminal, so the strings are cleaned first.
 */
export function attachHeadlessReporter(bus: EventBus, options: HeadlessOptions): () => void {
  return bus.onAny((event) => {
    // Output lines and running usage can be a flood: only on request.
    if ((event.type === 'worker:output' || event.type === 'attempt:usage') && !options.verbose) return;
    options.write(
      options.json
        ? JSON.stringify(terminalSafe({ at: event.at, type: event.type, ...event.payload }))
        : formatEvent(event),
    );
  });
}

const short = (sha: string | null): string => (sha ? sha.slice(0, 10) : 'none');

/** `time subject id what-happened`, with fixed-width subject and id columns. */
export function formatEvent(event: GafferEvent): string {
  const time = event.at.slice(11, 23);
  // Reasons and messages can carry git stderr or an agent's summary: one event stays one line,
  // and what an agent printed reaches the terminal as text, never as control sequences.
  const line = (subject: string, id: string, text: string): string =>
    `${time} ${subject.padEnd(7)} ${toTerminalText(id).padEnd(20)} ${firstLine(toTerminalText(text, { multiline: true }))}`;
  switch (event.type) {
    case 'run:started': {
      const p = event.payload;
      return line(
        'run',
        `#${p.runId}`,
        `${p.resumed ? 'resumed' : 'started'} plan "${p.planName}": ${p.units} units, at most ${p.maxRounds} rounds, in ${p.repo}`,
      );
    }
    case 'run:ended':
      return line('run', `#${event.payload.runId}`, `${event.payload.status}: ${event.payload.reason}`);
    case 'round:started':
      return line('round', String(event.payload.round), 'started');
    case 'round:ended': {
      const p = event.payload;
      return line(
        'round',
        String(p.round),
        `ended: ${p.done} done, ${p.failed} failed, ${p.merged} merged, ${p.rejected} rejected`,
      );
    }
    case 'unit:state':
      return line(
        'unit',
        event.payload.unitId,
        `${event.payload.from} -> ${event.payload.to}: ${event.payload.reason}`,
      );
    case 'attempt:started':
      return line(
        'attempt',
        `${event.payload.unitId}#${event.payload.attempt}`,
        `started${event.payload.startMode === 'warm' ? ' warm' : ''} on ${event.payload.branch} from ${short(event.payload.baseCommit)}; log ${event.payload.logPath}${event.payload.startMode === 'warm' ? ` (${event.payload.startReason ?? ''})` : ''}`,
      );
    case 'attempt:ended': {
      const p = event.payload;
      const spend = formatSpend(p.usage);
      return line(
        'attempt',
        `${p.unitId}#${p.attempt}`,
        `${p.outcome} after ${(p.durationMs / 1000).toFixed(1)} s${spend ? `, ${spend}` : ''}: ${p.reason}`,
      );
    }
    case 'attempt:usage':
      return line(
        'usage',
        `${event.payload.unitId}#${event.payload.attempt}`,
        formatSpend(event.payload.usage),
      );
    case 'budget:reached':
      return line('BUDGET', event.payload.unitId ?? 'run', event.payload.message);
    case 'worker:output':
      return line('output', `${event.payload.unitId}#${event.payload.attempt}`, event.payload.line);
    case 'merge:queued':
      return line(
        'merge',
        `${event.payload.unitId}`,
        `queued as #${event.payload.mergeId} from ${event.payload.branch}`,
      );
    case 'merge:rebasing':
      return line('merge', event.payload.unitId, `rebasing onto ${short(event.payload.onto)}`);
    case 'merge:verifying':
      return line('merge', event.payload.unitId, `verifying ${short(event.payload.candidate)}`);
    case 'merge:merged':
      return line('merge', event.payload.unitId, `merged at ${short(event.payload.commit)}`);
    case 'merge:rejected':
      return line(
        'merge',
        event.payload.unitId,
        `rejected (${event.payload.class}): ${firstLine(toTerminalText(event.payload.detail, { multiline: true }))}`,
      );
    case 'merge:flaky':
      return line(
        'merge',
        event.payload.unitId,
        `FLAKY at ${short(event.payload.commit)}: ${event.payload.checks.join(', ')} failed, then passed on the same commit; accepted`,
      );
    case 'branch:promoted':
      return line(
        'branch',
        event.payload.branch,
        `${event.payload.role} ${short(event.payload.from)} -> ${short(event.payload.to)}`,
      );
    case 'health:snapshot': {
      const p = event.payload;
      const checks = p.checks
        .map(
          (check) =>
            `${check.name} ${check.passed ? 'pass' : 'FAIL'}${countsText(check.counts)}${check.flaky ? ' (flaky)' : ''}`,
        )
        .join(', ');
      return line(
        'health',
        short(p.commit),
        `${p.label}${p.round === null ? '' : ` (round ${p.round})`}: ${p.passed ? 'all checks pass' : 'failing'}${checks ? ` [${checks}]` : ''}`,
      );
    }
    case 'branch:tampered':
      return line('TAMPER', event.payload.branch, event.payload.message);
    case 'repo:tampered':
      return line('TAMPER', 'repository', event.payload.message);
    case 'branch:held':
      return line(
        'branch',
        event.payload.branch,
        `held at its verified tip (not moved to ${short(event.payload.commit)}): ${event.payload.reason}`,
      );
    case 'supervisor:warning':
      return line('warning', '-', event.payload.message);
    case 'supervisor:paused':
      return line('control', '-', event.payload.paused ? 'paused: no new attempts start' : 'resumed');
    case 'supervisor:command': {
      const p = event.payload;
      return line('control', p.unitId ?? '-', `${p.command}: ${p.ok ? '' : 'refused: '}${p.message}`);
    }
    case 'unit:added': {
      const p = event.payload;
      const from = p.discoveredFrom === null ? '' : ` (from ${p.discoveredFrom})`;
      const deps = p.dependsOn.length === 0 ? '' : `, after ${p.dependsOn.join(', ')}`;
      return line('plan', p.unitId, `added by ${ORIGIN_WORDS[p.origin]}: ${p.title}${deps}${from}`);
    }
    case 'plan:edited':
      return line('plan', event.payload.path, `edited: ${planEditText(event.payload)}`);
    case 'plan:edit-rejected':
      return line('plan', event.payload.path, editRejectionText(event.payload));
    case 'discovery:proposed': {
      const p = event.payload;
      return line('found', p.unitId, `proposed #${p.proposalId}: ${p.title} (from ${p.discoveredFrom})`);
    }
    case 'discovery:decided': {
      const p = event.payload;
      return line(
        'found',
        p.unitId,
        `#${p.proposalId} ${p.decision}${p.by === 'operator' ? ' by the operator' : ''}: ${p.reason}`,
      );
    }
    case 'discovery:ran': {
      const p = event.payload;
      return line(
        'found',
        '-',
        `${p.trigger}: ${p.proposed} proposed, ${p.duplicates} duplicate(s)${p.note ? `; ${p.note}` : ''}`,
      );
    }
    case 'unit:overlap': {
      const p = event.payload;
      return line(
        'overlap',
        p.unitId,
        `waits for ${p.waitsFor}: ${p.reason}${p.files.length > 0 ? ` (${p.files.join(', ')})` : ''}`,
      );
    }
    case 'host:state': {
      const p = event.payload;
      return line('host', p.host, `${p.state}${p.reason ? `: ${p.reason}` : ''}`);
    }
    default: {
      const unreachable: never = event;
      return String(unreachable);
    }
  }
}

function countsText(
  counts: { passed: number; failed: number; errors: number; warnings: number; skipped: number } | undefined,
): string {
  if (!counts) return '';
  const parts = Object.entries(counts)
    .filter(([, value]) => value > 0)
    .map(([key, value]) => `${value} ${key}`);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

function firstLine(text: string): string {
  const lines = text.split(/\r\n|\r|\n/).filter((part) => part.trim() !== '');
  return lines.length <= 1 ? (lines[0] ?? '') : `${lines[0]} (+${lines.length - 1} lines)`;
}
