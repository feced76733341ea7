import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Repositories built once per test process and copied for each test. A copy
 * is one in-process cpSync; building one is `git init`, its config and a
 * first commit: half a dozen git processes, each a fork on a loaded machine.
 * The copy is the same repository (same files, config, commit); git rehashes
 * the copied files once, since their inodes differ from the index's.
 */
const templates = new Map<string, string>();

/**
 * Fills `dest` (made if missing) with a copy of the template named `key`,
 * which `build` makes in the empty folder it is given the first time the key
 * is asked for. The templates are removed when the process exits.
 */
export function copyTemplateRepo(key: string, build: (dir: string) => void, dest: string): string {
  let template = templates.get(key);
  if (template === undefined) {
    const holder = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-template-'));
    if (templates.size === 0) process.once('exit', removeTemplates);
    template = path.join(holder, 'repo');
    fs.mkdirSync(template);
    try {
      build(template);
    } catch (error) {
      fs.rmSync(holder, { recursive: true, force: true });
      throw error;
    }
    templates.set(key, template);
  }
  fs.cpSync(template, dest, { recursive: true, preserveTimestamps: true });
  return dest;
}

function removeTemplates(): void {
  for (const template of templates.values())
    fs.rmSync(path.dirname(template), { recursive: true, force: true });
  templates.clear();
}
