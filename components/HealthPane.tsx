import { Box, Text } from 'ink';
import { memo } from 'react';
import { shortSha, signed } from './format.js';
import { PaneTitle } from './PaneTitle.js';
import { useUi } from './use-ui.js';
import { stateColor } from './WorkersPane.js';
import type { CheckChange, CheckCounts, HealthRow, HealthView } from './view-model/types.js';

const CHANGE_TEXT: Record<CheckChange, string> = {
  new: '',
  same: '',
  fixed: '↑ fixed',
  broke: '↓ broke',
  gone: 'gone',
};

/**
 * The change against the previous snapshot; a failing check names the unit
 * whose merge its failures were first seen with ("↓ broke with parser"), said
 * first: a narrow pane cuts the end of the line.
 */
function changeText(check: HealthRow): string {
  if (check.brokeWith.length === 0 || check.state === 'passed') return CHANGE_TEXT[check.change];
  const who = `broke with ${check.brokeWith.join(', ')}`;
  return check.change === 'broke' ? `↓ ${who}` : who;
}

/** What the check's parser counted: passed ✓, failed ✗, errors !. */
export function countsText(counts: CheckCounts): string {
  return `${counts.passed}✓ ${counts.failed}✗ ${counts.errors}!`;
}

/** Only what moved, signed: "+2✗ -1✓". */
export function deltaText(delta: CheckCounts): string {
  const parts: string[] = [];
  if (delta.failed !== 0) parts.push(`${signed(delta.failed)}✗`);
  if (delta.errors !== 0) parts.push(`${signed(delta.errors)}!`);
  if (delta.passed !== 0) parts.push(`${signed(delta.passed)}✓`);
  return parts.join(' ');
}

/** The working branch's latest snapshot, check by check, with the change against the previous one. */
export const HealthPane = memo(function HealthPane({
  health,
  height,
  width,
}: {
  health: HealthView;
  height: number;
  width: number;
}) {
  const { theme } = useUi();
  if (height <= 0) return null;
  const shown = health.checks.slice(0, Math.max(0, height - 2));
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <PaneTitle
        title="Health"
        detail={health.commit ? `${health.label} @${shortSha(health.commit)}` : undefined}
      />
      {health.commit === null ? (
        <Text dimColor>no snapshot yet</Text>
      ) : (
        <Text wrap="truncate-end">
          <Text color={health.passed > 0 ? theme.ok : undefined}>{`${health.passed} passed`}</Text>
          {' · '}
          <Text color={health.failed > 0 ? theme.bad : undefined}>{`${health.failed} failed`}</Text>
          {' · '}
          <Text color={health.errors > 0 ? theme.bad : undefined}>{`${health.errors} errors`}</Text>
        </Text>
      )}
      {shown.map((check) => (
        <Text key={check.name} wrap="truncate-end">
          {`${check.name} `}
          <Text color={stateColor(check.state, theme)}>{check.state}</Text>
          {changeText(check) ? (
            <Text color={check.change === 'fixed' ? theme.ok : theme.bad}>{` ${changeText(check)}`}</Text>
          ) : null}
          {check.counts
            ? ` ${countsText(check.counts)}`
            : check.state === 'failed' && check.exitCode !== null
              ? ` (exit ${check.exitCode})`
              : ''}
          {check.countsDelta && deltaText(check.countsDelta) ? (
            <Text color={check.countsDelta.failed + check.countsDelta.errors > 0 ? theme.bad : theme.ok}>
              {` (${deltaText(check.countsDelta)})`}
            </Text>
          ) : null}
          {check.flaky ? <Text color={theme.warn}> flaky</Text> : null}
        </Text>
      ))}
    </Box>
  );
});
