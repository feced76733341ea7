import { Text } from 'ink';
import { useUi } from './use-ui.js';

/** A pane's one-line heading; the focused pane (the one ↑/↓ move in) is marked. */
export function PaneTitle({ title, detail, focused }: { title: string; detail?: string; focused?: boolean }) {
  const { theme } = useUi();
  return (
    <Text wrap="truncate-end">
      <Text bold underline={focused === true} color={focused ? theme.accent : undefined}>
        {focused ? `▸ ${title}` : title}
      </Text>
      {detail ? <Text dimColor>{` ${detail}`}</Text> : null}
    </Text>
  );
}
