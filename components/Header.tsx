import { Box, Text } from 'ink';
import { memo } from 'react';
import { formatDuration, shortSha } from './format.js';
import { useUi } from './use-ui.js';
import type { HeaderView } from './view-model/types.js';

/** Plan, round, elapsed time, unit counts, what the run spent, the green commit, paused or not. */
export const Header = memo(function Header({ header, now }: { header: HeaderView; now: number }) {
  const { theme } = useUi();
  const elapsed = formatDuration((header.endedAt ?? now) - header.startedAt);
  let state: { text: string; color: string | undefined } = { text: 'running', color: theme.ok };
  if (header.ended)
    state = { text: header.ended.status, color: header.ended.status === 'completed' ? theme.ok : theme.warn };
  else if (header.stopping) state = { text: 'STOPPING', color: theme.warn };
  else if (header.phase !== null) state = { text: 'starting', color: theme.warn };
  else if (header.paused) state = { text: 'PAUSED', color: theme.warn };
  return (
    <Box flexDirection="column">
      {/* The elapsed time has a Text of its own: Ink keeps every distinct string it measured. */}
      <Box>
        <Text wrap="truncate-end">
          <Text bold color={theme.accent}>
            gaffer
          </Text>
          {` ${header.planName} · ${header.runId > 0 ? `run #${header.runId} · ` : ''}round ${header.round}/${header.maxRounds} · `}
        </Text>
        <Text>{elapsed}</Text>
        <Box flexShrink={1}>
          <Text wrap="truncate-end">
            {' · '}
            <Text bold color={state.color}>
              {state.text}
            </Text>
            {` · green ${shortSha(header.greenCommit)}`}
            {/* Last on the line: a long reason is cut, never the state before it. */}
            {header.greenHeld ? <Text color={theme.warn}>{` held: ${header.greenHeld}`}</Text> : null}
          </Text>
        </Box>
      </Box>
      {/* While the mission starts, nothing runs yet: the counts' line says what the start is doing. */}
      {header.phase !== null && !header.ended && !header.stopping ? (
        <Text wrap="truncate-end" color={theme.warn}>{`starting: ${header.phase}`}</Text>
      ) : (
        <Counts header={header} />
      )}
    </Box>
  );
});

/** The units by status, what joined the run, what it spent. */
function Counts({ header }: { header: HeaderView }) {
  const { theme } = useUi();
  const c = header.counts;
  return (
    <Text wrap="truncate-end">
      {`${c.pending} pending · `}
      <Text color={c.running > 0 ? theme.accent : undefined}>{`${c.running} running`}</Text>
      {` · ${c.merging} merging · `}
      <Text color={c.done > 0 ? theme.ok : undefined}>{`${c.done} done`}</Text>
      {' · '}
      <Text color={c.failed > 0 ? theme.bad : undefined}>{`${c.failed} failed`}</Text>
      {' · '}
      <Text color={c.blocked > 0 ? theme.warn : undefined}>{`${c.blocked} blocked`}</Text>
      {c.killed > 0 ? <Text color={theme.warn}>{` · ${c.killed} killed`}</Text> : null}
      {c.removed > 0 ? <Text dimColor>{` · ${c.removed} removed`}</Text> : null}
      {header.added > 0 ? ` · ${header.added} added` : null}
      {header.spend ? ` · ${header.spend}` : null}
    </Text>
  );
}
