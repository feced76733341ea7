import fs from 'node:fs';
import path from 'node:path';
import { git } from './git.js';

/**
 * What a workspace borrows from the user's repository: its object store (read
 * through alternates, never its refs), the few configuration entries that
 * decide how files look on disk (identity, line endings, the user's own
 * filters such as LFS or git-crypt) and its local ignore rules. Read once at
 * the start of a run.
 */
export interface SourceRepo {
  /** The repository's top folder. */
  repo: string;
  /** Absolute path of the shared git directory (`.git`, also for a linked worktree). */
  commonDir: string;
  /** Absolute path of its object store. */
  objectsDir: string;
  /** Configuration a workspace's git directory starts with (git config file text). */
  workspaceConfig: string;
  /** `.git/info/exclude` of the repository, copied so ignored files stay ignored. */
  exclude: string;
}

/** Configuration keys a workspace copies from the repository's own (local) configuration. */
const COPIED_KEYS =
  /^(user\.(name|email)|core\.(autocrlf|eol|safecrlf|symlinks|ignorecase|precomposeunicode|filemode)|filter\..+\.(clean|smudge|process|required)|lfs\..+)$/;

export async function describeSource(repo: string): Promise<SourceRepo> {
  const commonDir = path.resolve(repo, await git(repo, ['rev-parse', '--git-common-dir']));
  const listed = await git(repo, ['config', '--local', '--list', '-z']);
  const entries: [string, string][] = [];
  for (const record of listed.split('\0')) {
    const newline = record.indexOf('\n');
    const key = newline === -1 ? record : record.slice(0, newline);
    const value = newline === -1 ? 'true' : record.slice(newline + 1);
    if (key !== '' && COPIED_KEYS.test(key)) entries.push([key, value]);
  }
  let exclude = '';
  try {
    exclude = fs.readFileSync(path.join(commonDir, 'info', 'exclude'), 'utf8');
  } catch {
    // No local ignore rules.
  }
  return {
    repo,
    commonDir,
    objectsDir: path.join(commonDir, 'objects'),
    workspaceConfig: configText(entries),
    exclude,
  };
}

/** Writes `key=value` entries (as `git config --list` names them) as a git config file. */
export function configText(entries: readonly (readonly [string, string])[]): string {
  const sections = new Map<string, string[]>();
  const add = (header: string, line: string): void => {
    sections.set(header, [...(sections.get(header) ?? []), line]);
  };
  add('[core]', '\trepositoryformatversion = 0');
  add('[core]', '\tbare = false');
  add('[core]', '\tlogallrefupdates = true');
  for (const [key, value] of entries) {
    const first = key.indexOf('.');
    const last = key.lastIndexOf('.');
    const section = key.slice(0, first);
    const name = key.slice(last + 1);
    const subsection = first === last ? undefined : key.slice(first + 1, last);
    const header =
      subsection === undefined ? `[${section}]` : `[${section} "${subsection.replace(/["\\]/g, '\\$&')}"]`;
    add(header, `\t${name} = ${quoteValue(value)}`);
  }
  return [...sections].map(([header, lines]) => `${header}\n${lines.join('\n')}\n`).join('');
}

function quoteValue(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t');
  return `"${escaped}"`;
}
