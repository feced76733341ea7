import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, StateError } from './errors.js';
import { tryGit } from './git/git.js';
import { processAlive } from './workers/process-group.js';

export function databasePath(stateDir: string): string {
  return path.join(stateDir, 'state.db');
}

/** Where a run's logs go: one file per attempt, and checks/ for the check runs. */
export function logDirFor(stateDir: string, runId: number): string {
  return path.join(stateDir, 'logs', `run-${runId}`);
}

/**
 * Keeps the state folder out of git without touching the user's .gitignore
 * (which would itself be an uncommitted change): `.git/info/exclude`.
 */
export async function excludeFromGit(repo: string, stateDir: string): Promise<void> {
  const relative = path.relative(repo, stateDir);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return;
  const common = await tryGit(repo, ['rev-parse', '--git-common-dir']);
  if (common.exitCode !== 0) return;
  const excludeFile = path.resolve(repo, common.stdout.trim(), 'info', 'exclude');
  const pattern = `/${relative.split(path.sep).join('/')}/`;
  const current = fs.existsSync(excludeFile) ? fs.readFileSync(excludeFile, 'utf8') : '';
  if (current.split('\n').includes(pattern)) return;
  fs.mkdirSync(path.dirname(excludeFile), { recursive: true });
  fs.appendFileSync(excludeFile, `${current === '' || current.endsWith('\n') ? '' : '\n'}${pattern}\n`);
}

/**
 * One supervisor per state folder: a lock file holding the owner's pid. A
 * lock whose owner is gone (a crash) is taken over.
 */
export class SupervisorLock {
  private constructor(private readonly file: string) {}

  static acquire(stateDir: string): SupervisorLock {
    fs.mkdirSync(stateDir, { recursive: true });
    const file = path.join(stateDir, 'supervisor.lock');
    for (let tries = 0; tries < 2; tries += 1) {
      try {
        fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
        return new SupervisorLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
        if (Number.isInteger(owner) && owner !== process.pid && processAlive(owner)) {
          throw new StateError(
            `another gaffer (pid ${owner}) is supervising ${stateDir}: wait for it to finish or stop it; only one supervisor may own a state folder`,
            ExitCode.busy,
          );
        }
        fs.rmSync(file, { force: true });
      }
    }
    throw new StateError(`could not take the lock ${file}: remove it if no gaffer is running`, ExitCode.busy);
  }

  release(): void {
    fs.rmSync(this.file, { force: true });
  }
}
