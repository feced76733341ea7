import { Box, Text } from 'ink';
import { useUi } from './use-ui.js';

/** q (or Ctrl-C) while attempts run: what quitting does, and y / n. */
export function QuitConfirm({ running, width }: { running: number; width: number }) {
  const { theme } = useUi();
  return (
    <Box flexDirection="column" width={Math.min(width, 72)} borderStyle="round" paddingX={1}>
      <Text bold color={theme.warn} wrap="truncate-end">
        {`Quit? ${running} attempt${running === 1 ? ' is' : 's are'} running.`}
      </Text>
      <Text wrap="truncate-end">They end now (no strike); the run stays resumable with `gaffer run`.</Text>
      <Text wrap="truncate-end">
        <Text bold>y</Text> quit · <Text bold>n</Text>/Esc go back · Ctrl-C again forces
      </Text>
    </Box>
  );
}
