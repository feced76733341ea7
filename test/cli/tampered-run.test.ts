import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { git, runCli, runGaffer, useSandbox } from '../helpers/cli.js';

describe('gaffer run when someone else moves green', () => {
  const sandbox = useSandbox();

  it('stops with exit 13 naming the move, keeps the foreign tip, and resumes on the next run', async () => {
    const { root, repo } = sandbox();
    // On its first attempt the agent escapes its workspace and pushes an unverified commit onto green.
    const script = path.join(root, 'forger.sh');
    fs.writeFileSync(
      script,
      [
        '#!/usr/bin/env bash',
        'set -euo pipefail',
        'cat >/dev/null',
        'echo work > work.txt && git add -A && git commit -qm "forger: work"',
        'if [ "$GAFFER_ATTEMPT" = 1 ] && [ ! -e ../forged-once ]; then',
        '  touch ../forged-once',
        '  USER_GIT="$(dirname "$(head -n 1 .git/objects/info/alternates)")"',
        '  git checkout -q -b side && echo unverified > bad.txt && git add -A && git commit -qm unverified',
        '  git push -q --force "$USER_GIT" HEAD:refs/heads/gaffer/green',
        '  git checkout -q -',
        'fi',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    sandbox().writeConfig({
      agent: { kind: 'command', command: 'bash', args: [script] },
      checks: [{ name: 'ok', command: ['true'] }],
    });
    sandbox().writePlan({ name: 'forge', units: [{ id: 'forger', title: 'forges green', prompt: 'work' }] });

    const first = await runGaffer(sandbox());
    expect(first.exitCode, first.stdout + first.stderr).toBe(ExitCode.tampered);
    expect(first.stdout).toMatch(
      /TAMPER +gaffer\/green +gaffer\/green was moved to [0-9a-f]{10} by someone other than gaffer/,
    );
    expect(first.stdout).toMatch(/interrupted: stopped because gaffer\/green was moved/);
    const foreign = git(repo, 'for-each-ref', '--format=%(refname)', 'refs/gaffer/foreign/').trim();
    expect(foreign).toMatch(/^refs\/gaffer\/foreign\/green-\d+$/);
    expect(git(repo, 'show', `${foreign}:bad.txt`).trim()).toBe('unverified');

    const status = await runCli(['status', '--config', sandbox().configPath, '--json'], { cwd: root });
    const report = JSON.parse(status.stdout) as { run: { status: string }; green: { note: string } };
    expect(report.run.status).toBe('interrupted');
    expect(report.green.note).toContain('was moved');

    // Nothing more is moved; the next run resumes the same run and finishes it.
    const second = await runGaffer(sandbox());
    expect(second.exitCode, second.stdout + second.stderr).toBe(ExitCode.ok);
    expect(second.stdout).toContain('run     #1                   resumed');
    expect(git(repo, 'show', 'gaffer/green:work.txt').trim()).toBe('work');
    expect(git(repo, 'ls-tree', '--name-only', 'gaffer/green')).not.toContain('bad.txt');
  });
});
