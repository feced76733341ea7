import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { toTerminalText } from '../src/util/terminal-text.js';
import { visibleWindow, wrapText } from './format.js';
import { PROPOSAL_KEYS } from './keys.js';
import { ScreenLines } from './ScreenLine.js';
import { useUi } from './use-ui.js';
import type { ProposalsView as Proposals } from './view-model/types.js';

/** Border and padding around the view: two lines, four columns. */
const FRAME_LINES = 2;
const FRAME_COLUMNS = 4;

/**
 * `v`: the discovered units waiting for the operator, each with where it came
 * from, and the selected one's prompt, wrapped and cut to the space left. The
 * prompt is read from the controller (the view model keeps no prompts).
 */
export function ProposalsView({
  proposals,
  height,
  width,
}: {
  proposals: Proposals;
  height: number;
  width: number;
}) {
  const { theme, control } = useUi();
  const inner = Math.max(0, height - FRAME_LINES);
  const innerWidth = Math.max(1, width - FRAME_COLUMNS);
  const { rows, selected, waiting } = proposals;
  const chosen = rows[selected];
  const prompt = useMemo(
    () => (chosen === undefined ? '' : (control.proposals().find((p) => p.id === chosen.id)?.prompt ?? null)),
    // Read again when the selection or the list changes; the controller's prompts do not change.
    [control, chosen, rows],
  );
  if (height < 3) return null;
  const title = (
    <Text wrap="truncate-end">
      <Text bold color={theme.accent}>
        {`Proposals: ${waiting} waiting`}
      </Text>
      <Text dimColor>{`  ${PROPOSAL_KEYS}`}</Text>
    </Text>
  );
  if (rows.length === 0) {
    return (
      <Box flexDirection="column" height={height} width={width} borderStyle="round" paddingX={1}>
        {title}
        <Text wrap="truncate-end">
          {waiting > rows.length
            ? `${waiting} waiting beyond what the screen keeps: \`gaffer status\` lists them`
            : 'No proposal waits. d runs discovery; with discovery.mode confirm what it finds waits here.'}
        </Text>
      </Box>
    );
  }
  // The list takes up to half of the space, the prompt the rest (a heading each).
  const listLines = Math.max(1, Math.min(rows.length, Math.floor((inner - 1) / 2)));
  const { start, end } = visibleWindow(rows.length, listLines, selected);
  const promptLines = Math.max(0, inner - 1 - listLines - 1);
  const wrapped =
    prompt === null
      ? ['(the controller no longer has this proposal: it was decided)']
      : wrapText(toTerminalText(prompt, { multiline: true }).replace(/\t/g, '  ').trim(), innerWidth);
  const shown =
    wrapped.length > promptLines
      ? [...wrapped.slice(0, Math.max(0, promptLines - 1)), `… (+${wrapped.length - promptLines + 1} lines)`]
      : wrapped;
  return (
    <Box flexDirection="column" height={height} width={width} borderStyle="round" paddingX={1}>
      {title}
      {rows.slice(start, end).map((row, offset) => {
        const isSelected = start + offset === selected;
        return (
          <Box key={row.id} width={innerWidth}>
            <Box width={2} flexShrink={0}>
              <Text bold color={isSelected ? theme.accent : undefined}>
                {isSelected ? '›' : ' '}
              </Text>
            </Box>
            <Box width={6} flexShrink={0}>
              <Text wrap="truncate-end">{`#${row.id}`}</Text>
            </Box>
            <Box width={20} flexShrink={0}>
              <Text wrap="truncate-end" bold={isSelected}>
                {row.unitId}
              </Text>
            </Box>
            <Box width={9} flexShrink={0}>
              <Text wrap="truncate-end" dimColor>
                {row.source}
              </Text>
            </Box>
            <Box flexGrow={1} flexShrink={1}>
              <Text wrap="truncate-end">
                {row.title}
                <Text dimColor>{` · from ${row.discoveredFrom}`}</Text>
              </Text>
            </Box>
          </Box>
        );
      })}
      {promptLines > 0 && chosen ? (
        <>
          <Text wrap="truncate-end" dimColor>
            {`prompt of #${chosen.id} (${chosen.unitId}):`}
          </Text>
          <ScreenLines lines={shown} width={innerWidth} />
        </>
      ) : null}
    </Box>
  );
}
