import fs from 'node:fs';
import type { Config } from './config/schema.js';
import type { MissionControl } from './controller/control.js';
import { HookRunner } from './controller/hooks.js';
import { Mission, type MissionInfo, type MissionResult } from './controller/mission.js';
import { Recorder } from './controller/recorder.js';
import { EventBus } from './events/bus.js';
import type { GafferEvent } from './events/types.js';
import type { Plan } from './plan/schema.js';
import { preflight } from './preflight.js';
import { databasePath, excludeFromGit, prepareStateDir, SupervisorLock } from './state-dir.js';
import { Store } from './store/store.js';

export interface SupervisorOptions {
  config: Config;
  plan: Plan;
  /** The plan's file, watched while the run goes on (absent for a plan made in code). */
  planPath?: string;
  signal: AbortSignal;
  fresh?: boolean;
  /** Take an existing working branch that does not descend from base as it is (`--adopt`). */
  adopt?: boolean;
  /** Subscribers attached before anything happens (reporters, the UI's view model). */
  subscribe?: (bus: EventBus) => void;
  /** Called once the run exists, before its first event, with the operator's controls (the UI). */
  attach?: (bus: EventBus, control: MissionControl, info: MissionInfo) => void;
  onListenerError?: (error: unknown, event: GafferEvent) => void;
  /** What the start is doing, for a screen up before the run's controls (see MissionOptions.onPhase). */
  onPhase?: (phase: string | null) => void;
  /** The operator's quit before the controls are live: the run stops as by the UI's q. */
  quit?: AbortSignal;
}

export interface SupervisorResult extends MissionResult {
  databasePath: string;
  store: Store;
}

/**
 * Validates everything (no writes), then takes the state folder, creates the
 * working branch if needed and runs the mission. The caller closes the store.
 */
export async function supervise(options: SupervisorOptions): Promise<SupervisorResult> {
  const { config, plan } = options;
  options.onPhase?.('checking the repository');
  const checked = await preflight(config, plan, config.repo, {
    adopt: options.adopt,
    ownTip: ownTips(databasePath(config.stateDir)),
  });
  const repo = checked.repo;
  const stateDir = config.stateDir;
  // Before the first write (the exclude line, the lock): the folder must be one gaffer owns.
  prepareStateDir(repo, stateDir);
  await excludeFromGit(repo, stateDir);
  const lock = SupervisorLock.acquire(stateDir);
  const dbPath = databasePath(stateDir);
  options.onPhase?.('opening the state database');
  const store = Store.open(dbPath);
  try {
    const bus = new EventBus(options.onListenerError);
    options.subscribe?.(bus);
    const hooks = startHooks(config, repo, new Recorder(store, bus));
    hooks?.attach(bus);
    const mission = new Mission({
      config: { ...config, repo },
      plan,
      ...(options.planPath === undefined ? {} : { planPath: options.planPath }),
      repo,
      stateDir,
      store,
      bus,
      signal: options.signal,
      fresh: options.fresh,
      adopt: options.adopt,
      onStart: (control, info) => options.attach?.(bus, control, info),
      onPhase: options.onPhase,
      quit: options.quit,
    });
    const result = await mission.run().finally(() => hooks?.drain());
    return { ...result, databasePath: dbPath, store };
  } catch (error) {
    store.close();
    throw error;
  } finally {
    lock.release();
  }
}

/** The config's event hooks, their warnings recorded like any other; none when none is configured. */
function startHooks(config: Config, repo: string, recorder: Recorder): HookRunner | undefined {
  const hooks = new HookRunner({
    hooks: config.hooks,
    timeoutMs: config.hookTimeoutMs,
    graceMs: config.killGraceMs,
    cwd: repo,
    warn: (runId, message) => {
      if (recorder.failure) return;
      recorder.record([['supervisor:warning', { runId, message }]]);
    },
  });
  return hooks.enabled ? hooks : undefined;
}

/**
 * The tips gaffer recorded for its branches in an existing state database,
 * read before anything is written; none when there is no database yet (or
 * one from before the record existed).
 */
function ownTips(file: string): (branch: string, sha: string) => boolean {
  const held = new Set<string>();
  if (fs.existsSync(file)) {
    try {
      const store = Store.open(file, { readonly: true });
      try {
        for (const row of store.branchTips.held()) held.add(`${row.branch}\0${row.sha}`);
      } finally {
        store.close();
      }
    } catch {
      // Unreadable or from before the record existed: nothing is known to be gaffer's.
    }
  }
  return (branch, sha) => held.has(`${branch}\0${sha}`);
}
