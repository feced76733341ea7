/**
 * The events a hook may run on (`hooks` in gaffer.json). A module of its own:
 * the config's schema checks hook names against it, and loading hooks.ts
 * (execa, process supervision) for a list of names cost every command that
 * reads gaffer.json, `gaffer status` among them, tens of milliseconds.
 */
import type { EventName } from '../events/types.js';
import type { UnitStatus } from '../machines/unit.js';

/** Every event of the bus a hook may name; `worker:output` (one per line an agent prints) is left out. */
const BUS_HOOK_EVENTS = [
  'run:started',
  'run:ended',
  'round:started',
  'round:ended',
  'unit:state',
  'attempt:started',
  'attempt:ended',
  'merge:queued',
  'merge:rebasing',
  'merge:verifying',
  'merge:merged',
  'merge:rejected',
  'merge:flaky',
  'branch:promoted',
  'health:snapshot',
  'branch:tampered',
  'repo:tampered',
  'branch:held',
  'supervisor:warning',
  'supervisor:paused',
  'supervisor:command',
  'budget:reached',
  'unit:added',
  'plan:edited',
  'plan:edit-rejected',
  'discovery:proposed',
  'discovery:decided',
  'discovery:ran',
  'unit:overlap',
  'host:state',
] as const satisfies readonly EventName[];

// A new event on the bus must be listed above (or left out on purpose here), or this stops compiling.
// worker:output and attempt:usage come many times a second: no hook runs on them.
type Unlisted = Exclude<EventName, (typeof BUS_HOOK_EVENTS)[number] | 'worker:output' | 'attempt:usage'>;
const everyEventListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyEventListed;

/** `unit:state` events by where the unit went: `unit:failed` is a unit:state with to = failed. */
const UNIT_HOOK_STATES = ['done', 'failed', 'blocked', 'killed'] as const satisfies readonly UnitStatus[];

export const HOOK_EVENT_NAMES = [
  ...BUS_HOOK_EVENTS,
  ...UNIT_HOOK_STATES.map((to) => `unit:${to}` as const),
] as const;

export type HookEventName = (typeof HOOK_EVENT_NAMES)[number];
export type HooksConfig = Partial<Record<HookEventName, string[][]>>;
