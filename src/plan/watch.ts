import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { watch } from 'chokidar';
import { PlanError, errorMessage } from '../errors.js';
import { parsePlanText, readPlanText } from './load.js';
import type { Plan } from './schema.js';

/**
 * Watches a plan file while a run goes on and reports each saved version,
 * read and checked exactly as at start (the whole-plan rules are planEdit's,
 * on the run's units).
 *
 * Editors save in several ways: in place, to a temporary file renamed over
 * the plan (vim, VS Code), by deleting and creating it, by truncating and
 * writing it. chokidar sees each of them on the file (a new inode, a file
 * that comes back after a deletion), and events are debounced so that one
 * save is one report. A half-written file read anyway
 * is reported as its JSON error; the complete file is another change.
 * A version identical to the last one reported is not reported again.
 */

export type PlanFileChange = { ok: true; plan: Plan; text: string } | { ok: false; error: string };

export interface PlanWatchOptions {
  /** Quiet time after the last file event before the file is read. */
  debounceMs?: number;
  /** Called after each debounced change; it must not throw (nothing would catch it). */
  onChange(result: PlanFileChange): void;
}

export interface PlanWatcher {
  /** Resolves once changes are being watched; earlier saves may be missed. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export function watchPlan(planPath: string, options: PlanWatchOptions): PlanWatcher {
  const file = path.resolve(planPath);
  const debounceMs = options.debounceMs ?? 300;
  // The version in place when watching starts counts as reported: the run began with it.
  let lastReported = readVersion(file).key;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const report = (change: PlanFileChange): void => {
    if (!closed) options.onChange(change);
  };
  const readAndReport = (): void => {
    timer = undefined;
    if (closed) return;
    const version = readVersion(file);
    if (version.key === lastReported) return;
    lastReported = version.key;
    report(version.change);
  };
  const schedule = (changedPath: string): void => {
    if (path.resolve(changedPath) !== file) return;
    clearTimeout(timer);
    timer = setTimeout(readAndReport, debounceMs);
  };
  // The file itself where it exists: chokidar follows a new inode (a rename
  // over the plan) and a plan that comes back after a deletion, and files
  // written beside the plan (a headless log) wake nothing. Watching the folder
  // re-reads it (readdir, an lstat per entry) on each such write, so the folder
  // is watched only for a plan that does not exist yet (chokidar's ready comes
  // before it watches for a missing file's creation).
  const watcher = existsSync(file)
    ? watch(file, { ignoreInitial: true })
    : watch(path.dirname(file), {
        depth: 0,
        ignoreInitial: true,
        ignored: (candidate) => {
          const resolved = path.resolve(candidate);
          return resolved !== file && resolved !== path.dirname(file);
        },
      });
  watcher.on('add', schedule).on('change', schedule).on('unlink', schedule);
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  watcher.on('error', (error) => {
    report({
      ok: false,
      error: `watching the plan file ${file} failed: ${errorMessage(error)}; edits saved from now on may be missed, the running plan stays as it was`,
    });
  });

  return {
    ready,
    async close() {
      closed = true;
      clearTimeout(timer);
      await watcher.close();
    },
  };
}

interface PlanVersion {
  /** Equal keys: nothing new to report. */
  key: string;
  change: PlanFileChange;
}

function readVersion(file: string): PlanVersion {
  let text: string;
  try {
    text = readPlanText(file);
  } catch (error) {
    if (isMissingFile(error)) {
      const message = `the plan file ${file} was removed; the running plan stays as it was (save the file again to edit it)`;
      return { key: 'missing', change: { ok: false, error: message } };
    }
    const message = errorMessage(error);
    return { key: `unreadable:${message}`, change: { ok: false, error: message } };
  }
  const key = `text:${createHash('sha256').update(text).digest('hex')}`;
  try {
    return { key, change: { ok: true, plan: parsePlanText(text, file), text } };
  } catch (error) {
    return { key, change: { ok: false, error: errorMessage(error) } };
  }
}

function isMissingFile(error: unknown): boolean {
  if (!(error instanceof PlanError)) return false;
  const cause = error.cause as NodeJS.ErrnoException | undefined;
  return cause?.code === 'ENOENT';
}
