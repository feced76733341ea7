import fs from 'node:fs';
import path from 'node:path';
import { tryGit } from './git.js';

/**
 * Configuration keys that make git run a program or reach elsewhere: a change
 * to any of them during a run, by anyone but the user, is how an agent would
 * plant code in the user's next git command.
 */
const RISKY_KEY =
  /^(core\.(hookspath|fsmonitor|sshcommand|pager|editor|askpass|gitproxy|alternaterefscommand|worktree|attributesfile|excludesfile)|filter\..+|diff\..+\.(textconv|command)|merge\..+\.driver|gpg\..+|credential\..*|include\..+|includeif\..+|alias\..+|sequence\.editor|uploadpack\..+|receive\..+|remote\..+\.(uploadpack|receivepack|proxy|vcs)|protocol\..+|url\..+|extensions\..+|safe\.directory)$/i;

/**
 * A fingerprint of what in the user's `.git` could run code in a later git
 * command: the risky configuration entries and the hook files. Taken at the
 * start of a run and compared before each merge and at the end; a change is
 * reported by name (never undone: the files are the user's).
 */
export class RepoGuard {
  private constructor(
    private readonly repo: string,
    private readonly commonDir: string,
    private readonly baseline: Map<string, string>,
    private readonly config: ConfigReader,
  ) {}

  static async capture(
    repo: string,
    commonDir: string,
    options: { settledMs?: number } = {},
  ): Promise<RepoGuard> {
    const config = new ConfigReader(repo, commonDir, options.settledMs ?? SETTLED_MS);
    return new RepoGuard(repo, commonDir, await fingerprint(repo, commonDir, config), config);
  }

  /** What changed since the start, e.g. `config core.fsmonitor added`, `hook .git/hooks/pre-commit added`. */
  async changes(): Promise<string[]> {
    const now = await fingerprint(this.repo, this.commonDir, this.config);
    const found: string[] = [];
    for (const [key, value] of now) {
      const before = this.baseline.get(key);
      if (before === undefined) found.push(`${key} added`);
      else if (before !== value) found.push(`${key} changed`);
    }
    for (const key of this.baseline.keys()) if (!now.has(key)) found.push(`${key} removed`);
    return found.sort();
  }
}

/**
 * How long after its last change (mtime or ctime) the config file must have
 * stood when it was read before that reading is reused: file times tick
 * coarsely (milliseconds), so an edit in the same tick as the read could
 * leave the file's stat unchanged. This is git's own "racily clean" rule for
 * its index, with a wide margin.
 */
const SETTLED_MS = 2000;

/**
 * `git config --local --list` (the repository's config file, the only one it
 * reads), run again only when that file's stat (inode, size, mtime, ctime,
 * in nanoseconds) differs from the last reading's, or when that reading was
 * taken while the file was still fresh. git writes the file by renaming a
 * new one over it (a new inode), an in-place edit moves mtime, and ctime
 * cannot be set back by anyone: every edit changes the stat. One git process
 * per run instead of one per merge.
 */
class ConfigReader {
  private last: { stat: string; stdout: string } | undefined;

  constructor(
    private readonly repo: string,
    private readonly commonDir: string,
    private readonly settledMs: number,
  ) {}

  async list(): Promise<string> {
    const before = this.statKey();
    if (before !== undefined && this.last?.stat === before.key) return this.last.stdout;
    const listed = await tryGit(this.repo, ['config', '--local', '--no-includes', '--list', '-z']);
    // Kept only when the file had settled before the read began; its stat is the one taken then.
    this.last =
      before?.settled && listed.exitCode === 0 ? { stat: before.key, stdout: listed.stdout } : undefined;
    return listed.stdout;
  }

  private statKey(): { key: string; settled: boolean } | undefined {
    const now = Date.now();
    try {
      const stat = fs.statSync(path.join(this.commonDir, 'config'), { bigint: true });
      const changed = Number((stat.mtimeNs > stat.ctimeNs ? stat.mtimeNs : stat.ctimeNs) / 1_000_000n);
      return {
        key: `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`,
        settled: now - changed > this.settledMs,
      };
    } catch {
      // No file (or none readable): always ask git.
      return undefined;
    }
  }
}

async function fingerprint(
  repo: string,
  commonDir: string,
  config: ConfigReader,
): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  for (const record of (await config.list()).split('\0')) {
    const newline = record.indexOf('\n');
    const key = newline === -1 ? record : record.slice(0, newline);
    if (key === '' || !RISKY_KEY.test(key)) continue;
    const name = `config ${key}`;
    const value = newline === -1 ? '' : record.slice(newline + 1);
    // A key may repeat: every value counts.
    entries.set(name, entries.has(name) ? `${entries.get(name) ?? ''}\0${value}` : value);
  }
  const hooks = path.join(commonDir, 'hooks');
  let names: string[] = [];
  try {
    names = fs.readdirSync(hooks);
  } catch {
    // No hooks folder at all.
  }
  for (const name of names) {
    // Git ships inert `*.sample` files; only a file named like a hook runs.
    if (name.endsWith('.sample')) continue;
    try {
      const stat = fs.statSync(path.join(hooks, name));
      entries.set(
        `hook ${path.relative(repo, path.join(hooks, name)) || name}`,
        `${stat.size}:${stat.mtimeMs}:${stat.mode}`,
      );
    } catch {
      // Removed while we looked.
    }
  }
  return entries;
}
