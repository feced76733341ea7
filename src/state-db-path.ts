import path from 'node:path';

/**
 * The state database's file in a state folder. A module of its own so that
 * `gaffer status` finds the file without loading what state-dir.ts needs for
 * the folder's lock and checks (git and process helpers: a tenth of its start-up).
 */
export function databasePath(stateDir: string): string {
  return path.join(stateDir, 'state.db');
}
