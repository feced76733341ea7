/** The keys, as the footer and the help overlay name them. */
export const KEYS: readonly { key: string; short: string; long: string }[] = [
  { key: '↑↓', short: 'select', long: 'select a worker (or a unit to retry)' },
  { key: 'Tab', short: 'pane', long: 'switch between Workers and Units to retry (← → too)' },
  {
    key: 'k',
    short: 'kill',
    long: 'kill the selected attempt: its whole process group ends, no strike, the unit waits for r',
  },
  {
    key: 'r',
    short: 'retry',
    long: 'retry the selected failed, blocked or killed unit (its dependents follow)',
  },
  { key: 'd', short: 'discover', long: 'run discovery now' },
  { key: 'p', short: 'pause', long: 'pause or resume scheduling (running attempts go on)' },
  {
    key: 'q',
    short: 'quit',
    long: 'quit gracefully: attempts end, the run stays resumable (asks first while attempts run)',
  },
  { key: '^C', short: 'quit', long: 'same as q; a second Ctrl-C forces the exit' },
  { key: '?', short: 'help', long: 'this help (any key closes it)' },
];
