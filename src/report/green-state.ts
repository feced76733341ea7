import type { GafferEvents } from '../events/types.js';
import type { Store } from '../store/store.js';

/**
 * Where green is, or exactly why it is not there yet, in words: read from the
 * run's newest event about green (promoted, held, tampered), for the summary,
 * `gaffer status` and anything else that shows the run.
 */
export function greenNote(store: Store, runId: number, greenCommit: string | null): string {
  const [latest] = store.events
    .latestOfTypes(runId, ['branch:promoted', 'branch:held', 'branch:tampered'], 20)
    .filter((row) => {
      if (row.type === 'branch:held') return true;
      const payload = JSON.parse(row.payload) as { role?: string };
      return payload.role === 'green';
    });
  const at = greenCommit ? `at ${greenCommit.slice(0, 10)}` : 'not created yet';
  if (!latest) {
    return greenCommit
      ? `${at} (verified before this run)`
      : `${at}: no commit has been verified with every check yet`;
  }
  switch (latest.type) {
    case 'branch:held': {
      const payload = JSON.parse(latest.payload) as GafferEvents['branch:held'];
      return `${at}, held back: ${payload.reason}`;
    }
    case 'branch:tampered': {
      const payload = JSON.parse(latest.payload) as GafferEvents['branch:tampered'];
      return `${at}; ${payload.message}`;
    }
    default:
      return `${at} (the newest commit on which every gate check passed)`;
  }
}
