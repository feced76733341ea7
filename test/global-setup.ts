import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Tests spawn the built scripted agent and CLI as real subprocesses, so the
// build must be fresh before any test runs.
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
