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
  ) {}

  static async capture(repo: string, commonDir: string): Promise<RepoGuard> {
    return new RepoGuard(repo, commonDir, await fingerprint(repo, commonDir));
  }

  /** What changed since the start, e.g. `config core.fsmonitor added`, `hook .git/hooks/pre-commit added`. */
  async changes(): Promise<string[]> {
    const now = await fingerprint(this.repo, this.commonDir);
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

async function fingerprint(repo: string, commonDir: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const listed = await tryGit(repo, ['config', '--local', '--no-includes', '--list', '-z']);
  for (const record of listed.stdout.split('\0')) {
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
