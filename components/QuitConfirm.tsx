import { Box, Text } from 'ink';
import { useUi } from './use-ui.js';
import type { KillConfirm as Confirm } from './view-model/types.js';

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

/** k: which attempt ends and what that means, and y / any other key. */
export function KillConfirm({ confirm, width }: { confirm: Confirm; width: number }) {
  const { theme } = useUi();
  return (
    <Box flexDirection="column" width={Math.min(width, 72)} borderStyle="round" paddingX={1}>
      <Text bold color={theme.warn} wrap="truncate-end">
        {`Kill attempt ${confirm.attempt} of ${confirm.unitId}?`}
      </Text>
      <Text wrap="wrap">Its whole process group ends (no strike); the unit waits, killed, for r.</Text>
      <Text wrap="truncate-end">
        <Text bold>y</Text> kill · any other key keeps it running
      </Text>
    </Box>
  );
}
