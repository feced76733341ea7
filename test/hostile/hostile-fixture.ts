import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Snapshot } from '../../src/store/health.js';
import type { Store } from '../../src/store/store.js';
import { git } from '../integration/mission-fixture.js';

/**
 * Misbehaving agents for the hostile suite: each is a bash script run by the
 * `command` agent kind, in its workspace, with the environment gaffer gives an
 * agent. A script finds the user's repository the way a real agent could:
 * its workspace borrows the user's objects, and `.git/objects/info/alternates`
 * names their folder.
 */
export function hostileAgent(dir: string, name: string, script: string): ConfigInput['agent'] {
  const file = path.join(dir, `${name}.sh`);
  fs.writeFileSync(
    file,
    [
      '#!/usr/bin/env bash',
      'set -euo pipefail',
      'cat >/dev/null', // the prompt arrives on stdin
      // The user's .git, found through the workspace's alternates.
      'USER_GIT="$(dirname "$(head -n 1 .git/objects/info/alternates)")"',
      script,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return { kind: 'command', command: 'bash', args: [file], prompt: 'stdin' };
}

/** A folder outside the repository for scripts and the marks hooks would leave. */
export function scratchDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-hostile-'));
}

/** A script that, if anything ever runs it, leaves a mark: hooks, fsmonitor and filters point here. */
export function tripwire(dir: string): { script: string; mark: string } {
  const mark = path.join(dir, 'TRIPPED');
  const script = path.join(dir, 'tripwire.sh');
  fs.writeFileSync(script, `#!/bin/sh\necho "$0 $*" >> '${mark}'\ncat\n`, { mode: 0o755 });
  return { script, mark };
}

/** Every commit the branch ever pointed at, from its reflog. */
export function reflogOf(repo: string, branch: string): string[] {
  const out = git(repo, 'reflog', 'show', '--format=%H', `refs/heads/${branch}`);
  return out.split('\n').filter((line) => line !== '');
}

/** True when the store holds a snapshot of the commit on which every gating check passed. */
export function verifiedInStore(store: Store, commit: string): boolean {
  const rows = store.db
    .prepare('SELECT checks_json FROM health_snapshots WHERE commit_sha = ?')
    .all(commit) as { checks_json: string }[];
  return rows.some((row) =>
    (JSON.parse(row.checks_json) as Snapshot['checks']).every((check) => check.passed || !check.gate),
  );
}

/** The user's hook files (no samples) and the code-running keys of its config, to compare before and after. */
export function repoSurface(repo: string): { hooks: string[]; config: string } {
  const hooks = fs.readdirSync(path.join(repo, '.git', 'hooks')).filter((name) => !name.endsWith('.sample'));
  return { hooks, config: fs.readFileSync(path.join(repo, '.git', 'config'), 'utf8') };
}
