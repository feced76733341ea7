import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Tests spawn the built scripted agent and CLI as real subprocesses, so the
// build must be fresh before any test runs. Incremental: a rerun with no
// source change re-emits nothing (the build info lives in dist/, so removing
// dist/ starts over from a full build).
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(
    process.execPath,
    [
      `${root}node_modules/typescript/bin/tsc`,
      '-p',
      'tsconfig.build.json',
      '--incremental',
      '--tsBuildInfoFile',
      'dist/.tsbuildinfo-test',
    ],
    { cwd: root, stdio: 'inherit' },
  );
}
