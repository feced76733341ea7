import type { Key } from 'ink';
import type { ReplayService } from './replay/replay-service.js';
import { readOnlyAnswer } from '../src/replay/replay-control.js';
import { useUi } from './use-ui.js';
import type { Overlay } from './view-model/types.js';

/** The live screen's command keys, and what each would have done. */
const COMMAND_KEYS: Readonly<Record<string, string>> = {
  k: 'k (kill)',
  r: 'r (retry)',
  d: 'd (discover)',
  a: 'a (accept)',
  x: 'x (reject)',
  p: 'p (pause scheduling)',
};

/**
 * `gaffer replay`'s keys, handed every key before the live screen's own
 * (useKeys): returns a handler that says whether it took the key, or
 * undefined on a live run. Selection, Tab, ?, v (the proposals seen so far)
 * stay the live screen's.
 *
 * space pauses or plays (at the end: from the start), `.` steps one event,
 * `[` and `]` seek to the previous or next round's start, `+` and `-` change
 * the speed, q and Ctrl-C leave at once (nothing runs, nothing to confirm).
 * The command keys answer that a replay is read-only.
 */
export function useReplayKeys(): ((input: string, key: Key) => boolean) | undefined {
  const { replay } = useUi();
  if (!replay) return undefined;
  return (input, key) => replayKey(replay, replay.store.getSnapshot().overlay, input, key);
}

function replayKey(replay: ReplayService, overlay: Overlay, input: string, key: Key): boolean {
  // Typing into the Units view's filter: every key is a letter of it.
  const typing = overlay === 'units' && replay.store.getSnapshot().units.typing;
  if ((input === 'q' && !typing) || (key.ctrl && input === 'c')) {
    replay.leave();
    return true;
  }
  // Any key closes the help: the live screen's handler does that. The Units view's keys
  // (j/k move, s sorts, / filters) are its own; its commands reach the read-only control.
  if (overlay === 'help' || overlay === 'units' || overlay === 'detail') return false;
  if (input === ' ') replay.togglePause();
  else if (input === '.') replay.step();
  else if (input === '[') replay.seekRound(-1);
  else if (input === ']') replay.seekRound(1);
  else if (input === '+' || input === '=') replay.changeSpeed(1);
  else if (input === '-' || input === '_') replay.changeSpeed(-1);
  else if (COMMAND_KEYS[input] !== undefined)
    replay.say(readOnlyAnswer(COMMAND_KEYS[input]).message, 'refused');
  else return false;
  return true;
}
