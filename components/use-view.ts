import { useSyncExternalStore } from 'react';
import type { ViewSnapshot } from './view-model/types.js';
import { useUi } from './use-ui.js';

/**
 * The current view snapshot. The store publishes at most once per coalescing
 * window and keeps the same reference when nothing changed, so this re-renders
 * at a bounded rate however fast events arrive.
 */
export function useView(): ViewSnapshot {
  const { store } = useUi();
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
