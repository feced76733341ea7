import { useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { UiContext } from './ui-context.js';

const noSubscription = (): (() => void) => () => undefined;
const never = (): number => 0;

/**
 * The clock, ticking every `intervalMs`: elapsed times move even when no event comes.
 * In `gaffer replay` it is the replay's clock (the newest event's recorded time).
 */
export function useNow(intervalMs = 1000): number {
  const replay = useContext(UiContext)?.replay;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (replay) return undefined;
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, replay]);
  const replayed = useSyncExternalStore(replay?.subscribe ?? noSubscription, replay?.now ?? never);
  return replay ? replayed : now;
}
