import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlanError } from '../../src/errors.js';
import { loadPlan } from '../../src/plan/load.js';
import { watchPlan, type PlanFileChange, type PlanWatcher } from '../../src/plan/watch.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A real file and the real watcher. Every wait is for a report to arrive;
 * that nothing was reported in between is shown by a later, distinct save
 * (reports arrive in order), never by sleeping.
 */

let dir: string;
let planFile: string;
let watcher: PlanWatcher | undefined;
let reports: PlanFileChange[];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-plan-watch-'));
  planFile = path.join(dir, 'plan.json');
  reports = [];
});
afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function planText(...prompts: string[]): string {
  const units = prompts.map((prompt, index) => ({ id: `u${index}`, title: `Unit ${index}`, prompt }));
  return `${JSON.stringify({ name: 'shop', units }, null, 2)}\n`;
}

async function startWatching(debounceMs = 100): Promise<void> {
  watcher = watchPlan(planFile, { debounceMs, onChange: (change) => reports.push(change) });
  await watcher.ready;
}

async function nthReport(count: number): Promise<PlanFileChange> {
  const reached = await waitFor(`plan watch report #${count}`, () =>
    reports.length >= count ? reports : undefined,
  );
  return reached[count - 1] as PlanFileChange;
}

function promptsOf(change: PlanFileChange | undefined): string[] | string {
  if (change === undefined) return 'no report';
  return change.ok ? change.plan.units.map((unit) => unit.prompt) : `error: ${change.error}`;
}

/** What loadPlan says about the file right now: the watcher must say exactly the same. */
function loadError(): string {
  try {
    loadPlan(planFile);
  } catch (error) {
    expect(error).toBeInstanceOf(PlanError);
    return (error as PlanError).message;
  }
  throw new Error('expected loadPlan to fail');
}

describe('watchPlan', () => {
  it('reports a file written in place, with its text', async () => {
    fs.writeFileSync(planFile, planText('first'));
    await startWatching();
    fs.writeFileSync(planFile, planText('first', 'second'));
    const change = await nthReport(1);
    expect(change).toEqual({ ok: true, plan: loadPlan(planFile), text: planText('first', 'second') });
  });

  it('reports a save that writes a temporary file and renames it over the plan', async () => {
    fs.writeFileSync(planFile, planText('first'));
    await startWatching();
    const temporary = path.join(dir, '.plan.json.tmp-1234');
    fs.writeFileSync(temporary, planText('renamed into place'));
    fs.renameSync(temporary, planFile);
    expect(promptsOf(await nthReport(1))).toEqual(['renamed into place']);

    // vim's way: move the old file aside, write a new one, delete the backup.
    fs.renameSync(planFile, `${planFile}~`);
    fs.writeFileSync(planFile, planText('vim save'));
    fs.rmSync(`${planFile}~`);
    expect(promptsOf(await nthReport(2))).toEqual(['vim save']);
    expect(reports).toHaveLength(2);
  });

  it('one save that truncates and then writes in pieces is one report of the complete file', async () => {
    fs.writeFileSync(planFile, planText('first'));
    await startWatching(300);
    const complete = planText('complete');
    const descriptor = fs.openSync(planFile, 'w');
    fs.writeSync(descriptor, complete.slice(0, 20));
    fs.fsyncSync(descriptor);
    fs.writeSync(descriptor, complete.slice(20));
    fs.closeSync(descriptor);
    expect(promptsOf(await nthReport(1))).toEqual(['complete']);

    fs.writeFileSync(planFile, planText('marker'));
    expect(promptsOf(await nthReport(2))).toEqual(['marker']);
    expect(reports).toHaveLength(2);
  });

  it('a half-written file read anyway is its JSON error; the complete file follows', async () => {
    fs.writeFileSync(planFile, planText('first'));
    await startWatching();
    fs.writeFileSync(planFile, planText('complete').slice(0, 30));
    const half = await nthReport(1);
    expect(half).toEqual({ ok: false, error: loadError() });
    expect(loadError()).toMatch(/^plan file .*plan\.json: not valid JSON at line \d+, column \d+/);

    fs.writeFileSync(planFile, planText('complete'));
    expect(promptsOf(await nthReport(2))).toEqual(['complete']);
  });

  it('reports an invalid plan with the error loadPlan gives, then the valid one', async () => {
    fs.writeFileSync(planFile, planText('first'));
    await startWatching();
    fs.writeFileSync(planFile, JSON.stringify({ units: [{ id: 'u0', title: 'no prompt' }] }));
    const invalid = await nthReport(1);
    expect(invalid).toEqual({ ok: false, error: loadError() });
    expect(loadError()).toContain('units.0.prompt: required: expected a string');

    fs.writeFileSync(planFile, planText('fixed'));
    expect(promptsOf(await nthReport(2))).toEqual(['fixed']);
  });

  it('leaves the whole-plan rules to the edit: a dependency outside the file is no error here', async () => {
    fs.writeFileSync(planFile, planText('first'));
    await startWatching();
    const plan = { units: [{ id: 'api', title: 'API', prompt: 'p', depends_on: ['found-by-discovery'] }] };
    fs.writeFileSync(planFile, JSON.stringify(plan));
    const change = await nthReport(1);
    expect(change.ok && change.plan.units[0]?.depends_on).toEqual(['found-by-discovery']);
  });

  it('reports a deleted plan file, keeps watching, and reports it when it comes back', async () => {
    fs.writeFileSync(planFile, planText('first'));
    await startWatching();
    fs.rmSync(planFile);
    expect(await nthReport(1)).toEqual({
      ok: false,
      error: `the plan file ${planFile} was removed; the running plan stays as it was (save the file again to edit it)`,
    });

    // Back with the very same content: the last report said it was gone, so this is news.
    fs.writeFileSync(planFile, planText('first'));
    expect(promptsOf(await nthReport(2))).toEqual(['first']);
  });

  it('does not report a version identical to the last one reported', async () => {
    fs.writeFileSync(planFile, planText('first'));
    await startWatching(20);
    // Room for the watcher to read each repeated save on its own. A late timer
    // can only merge saves (hiding a repeat report), never report one falsely.
    const quietSpell = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 500));
    fs.writeFileSync(planFile, planText('first')); // the version watching started with
    await quietSpell();
    fs.writeFileSync(planFile, planText('second'));
    expect(promptsOf(await nthReport(1))).toEqual(['second']);

    fs.writeFileSync(planFile, planText('second'));
    await quietSpell();
    fs.utimesSync(planFile, new Date(), new Date(Date.now() + 5000));
    await quietSpell();
    fs.writeFileSync(planFile, planText('third'));
    expect(promptsOf(await nthReport(2))).toEqual(['third']);
    expect(reports.map(promptsOf)).toEqual([['second'], ['third']]);
  });

  it('watches a plan file that does not exist yet and reports it once created', async () => {
    await startWatching();
    fs.writeFileSync(planFile, planText('created'));
    expect(promptsOf(await nthReport(1))).toEqual(['created']);
  });

  it('stops reporting once closed', async () => {
    fs.writeFileSync(planFile, planText('first'));
    await startWatching(10);
    await watcher?.close();
    // A second watcher with a longer debounce shows when the closed one would have reported.
    const seen: PlanFileChange[] = [];
    const observer = watchPlan(planFile, { debounceMs: 300, onChange: (change) => seen.push(change) });
    try {
      await observer.ready;
      fs.writeFileSync(planFile, planText('after close'));
      await waitFor('the open watcher to report', () => (seen.length > 0 ? seen : undefined));
      expect(promptsOf(seen[0])).toEqual(['after close']);
      expect(reports).toEqual([]);
    } finally {
      await observer.close();
    }
  });
});
