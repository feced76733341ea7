import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEMPLATES_VARIABLE } from './helpers/repo-template.js';

// Tests spawn the built scripted agent and CLI as real subprocesses, so the
// build must be fresh before any test runs. Incremental: a rerun with no
// source change re-emits nothing (the build info lives in dist/, so removing
// dist/ starts over from a full build).
export default function setup(): () => void {
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
  // The repositories tests copy (test/helpers/repo-template.ts) live here; the workers inherit the variable.
  const templates = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-templates-'));
  process.env[TEMPLATES_VARIABLE] = templates;
  return () => fs.rmSync(templates, { recursive: true, force: true });
}
