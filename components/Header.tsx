import { Box } from 'ink';
import { memo } from 'react';
import { fitParts, type Part } from './fit-line.js';
import { formatDuration, shortSha } from './format.js';
import { PartsLine } from './PartsLine.js';
import type { Theme } from './theme.js';
import { useUi } from './use-ui.js';
import type { HeaderView, HostRow } from './view-model/types.js';

/**
 * Two lines: plan, run, round, elapsed time, state, the worker hosts (when the
 * run has any) and the green commit; then progress, unit counts, what the run
 * spent and when it may end. Each line is fitted to the width (fit-line.ts):
 * on a narrow terminal the least important parts give way (the run number
 * first, counts at zero before counts that are not) instead of wrapping, which
 * would make the frame taller than the window.
 */
export const Header = memo(function Header({
  header,
  hosts,
  now,
  width,
}: {
  header: HeaderView;
  hosts: readonly HostRow[];
  now: number;
  width: number;
}) {
  const { theme } = useUi();
  return (
    <Box flexDirection="column">
      <PartsLine parts={fitParts(titleParts(header, hosts, now, theme), width)} />
      {/* While the mission starts, nothing runs yet: the counts' line says what the start is doing. */}
      {header.phase !== null && !header.ended && !header.stopping ? (
        <PartsLine
          parts={fitParts(
            [{ key: 'phase', text: `starting: ${header.phase}`, priority: 100, color: theme.warn }],
            width,
          )}
        />
      ) : (
        <PartsLine parts={fitParts(progressParts(header, now, width, theme), width)} />
      )}
    </Box>
  );
});

function titleParts(header: HeaderView, hosts: readonly HostRow[], now: number, theme: Theme): Part[] {
  let state: { text: string; color: string | undefined } = { text: 'running', color: theme.ok };
  if (header.ended)
    state = { text: header.ended.status, color: header.ended.status === 'completed' ? theme.ok : theme.warn };
  else if (header.stopping) state = { text: 'STOPPING', color: theme.warn };
  else if (header.phase !== null) state = { text: 'starting', color: theme.warn };
  else if (header.paused) state = { text: 'PAUSED', color: theme.warn };
  const parts: Part[] = [
    { key: 'gaffer', text: 'gaffer', priority: 100, bold: true, color: theme.accent },
    { key: 'plan', text: header.planName, priority: 45, minCells: 8, separator: ' ' },
    // Before the run is opened (the screen comes first) it has no number yet.
    ...(header.runId > 0 ? [{ key: 'run', text: `run #${header.runId}`, priority: 10 }] : []),
    { key: 'round', text: `round ${header.round}/${header.maxRounds}`, priority: 70 },
    { key: 'elapsed', text: formatDuration((header.endedAt ?? now) - header.startedAt), priority: 80 },
    { key: 'state', text: state.text, priority: 90, bold: true, color: state.color },
    ...hostParts(hosts, theme),
    { key: 'green', text: `green ${shortSha(header.greenCommit)}`, priority: 50 },
  ];
  // Last on the line and cut first: a long reason gives way, never the state before it.
  if (header.greenHeld)
    parts.push({
      key: 'held',
      text: `held: ${header.greenHeld}`,
      priority: 20,
      minCells: 12,
      separator: ' ',
      color: theme.warn,
    });
  return parts;
}

/**
 * `hosts 2/3 up` and the ones that are not: `build-2 down`. All up, it is a
 * quiet part that gives way early; while a host is missing (and its slots
 * with it), the line keeps it before the plan's name and the green commit.
 */
function hostParts(hosts: readonly HostRow[], theme: Theme): Part[] {
  if (hosts.length === 0) return [];
  const missing = hosts.filter((host) => host.state !== 'up');
  const count: Part = {
    key: 'hosts',
    text: `hosts ${hosts.length - missing.length}/${hosts.length} up`,
    priority: missing.length === 0 ? 30 : 60,
    color: missing.length === 0 ? undefined : theme.warn,
  };
  if (missing.length === 0) return [count];
  return [
    count,
    {
      key: 'hosts-missing',
      text: missing.map((host) => `${host.name} ${host.state}`).join(', '),
      priority: 58,
      minCells: 8,
      color: missing.some((host) => host.state === 'down') ? theme.bad : theme.warn,
    },
  ];
}

function progressParts(header: HeaderView, now: number, width: number, theme: Theme): Part[] {
  const c = header.counts;
  const { settled, total, etaAt } = header.progress;
  /** A count at zero gives way before one that is not. */
  const count = (key: string, value: number, priority: number, color?: string): Part => ({
    key,
    text: `${value} ${key}`,
    priority: value > 0 ? priority : priority - 40,
    color: value > 0 ? color : undefined,
  });
  const parts: Part[] = [
    { key: 'bar', text: progressBar(settled, total, width >= 100 ? 20 : 10), priority: 50, color: theme.ok },
    {
      key: 'settled',
      text: `${settled}/${total}`,
      priority: 85,
      separator: ' ',
      bold: total > 0 && settled === total,
    },
    count('pending', c.pending, 66),
    ...(header.retrying > 0 ? [count('retrying', header.retrying, 77, theme.warn)] : []),
    count('running', c.running, 76, theme.accent),
    count('merging', c.merging, 68),
    count('done', c.done, 74, theme.ok),
    count('failed', c.failed, 84, theme.bad),
    count('blocked', c.blocked, 72, theme.warn),
  ];
  if (c.killed > 0) parts.push(count('killed', c.killed, 71, theme.warn));
  if (c.removed > 0) parts.push({ ...count('removed', c.removed, 35), dim: true });
  if (header.added > 0) parts.push({ key: 'added', text: `${header.added} added`, priority: 36 });
  if (header.spend) parts.push({ key: 'spend', text: header.spend, priority: 40 });
  if (etaAt !== null && !header.ended)
    parts.push({ key: 'eta', text: `~${formatDuration(Math.max(0, etaAt - now))} left`, priority: 78 });
  return parts;
}

/** `settled` of `total` as a bar of `cells` cells: ▇ for what is done, ░ for what is not. */
export function progressBar(settled: number, total: number, cells: number): string {
  const filled = total <= 0 ? 0 : Math.min(cells, Math.round((settled / total) * cells));
  return '▇'.repeat(filled) + '░'.repeat(cells - filled);
}
