/**
 * Where the built scripted agent lives. Computed from the package root (the
 * nearest folder with package.json) so the answer is the same whether this
 * module runs from src/ under vitest or from dist/.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function scriptedAgentPath(): string {
  cached ??= join(packageRoot(), 'dist', 'src', 'workers', 'scripted-agent.js');
  return cached;
}

function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) {
      throw new Error(`no package.json above ${here}: cannot locate the scripted agent`);
    }
  }
}
