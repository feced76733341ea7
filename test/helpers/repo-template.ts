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
 * is asked for in this process.
 */
export function copyTemplateRepo(key: string, build: (dir: string) => void, dest: string): string {
  let template = templates.get(key);
  if (template === undefined) {
    template = path.join(templatesFolder(), `${key}-${process.pid}`);
    fs.rmSync(template, { recursive: true, force: true });
    fs.mkdirSync(template, { recursive: true });
    try {
      build(template);
    } catch (error) {
      fs.rmSync(template, { recursive: true, force: true });
      throw error;
    }
    templates.set(key, template);
  }
  fs.cpSync(template, dest, { recursive: true, preserveTimestamps: true });
  return dest;
}

/** The environment variable naming the folder test/global-setup.ts makes for the templates and removes after the run. */
export const TEMPLATES_VARIABLE = 'GAFFER_TEST_TEMPLATES';

/**
 * The global setup's folder (test workers do not run exit handlers, so it is
 * the setup's teardown that removes the templates); outside vitest, a folder
 * of this process's own, removed when it exits.
 */
function templatesFolder(): string {
  const shared = process.env[TEMPLATES_VARIABLE];
  if (shared !== undefined && shared !== '') return shared;
  const own = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-template-'));
  process.env[TEMPLATES_VARIABLE] = own;
  process.once('exit', () => fs.rmSync(own, { recursive: true, force: true }));
  return own;
}
