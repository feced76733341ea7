/**
 * Where the next kill lands, drawn from the seed: at a named step (each one a
 * side effect a kill can cut in two; the n-th time it is reached), at the
 * n-th event of a type on stdout, or after a random delay.
 */
import { CHAOS_STEPS, type ChaosStep } from '../../src/util/chaos-step.js';
import { KILL_MODES } from './processes.js';
import type { Random } from './random.js';
import type { PlannedKill } from './supervisor-start.js';

/** How often a mission reaches each step in one start, roughly: the occurrence is drawn up to this. */
const STEP_OCCURRENCES: Record<ChaosStep, number> = {
  workspace: 6,
  spawn: 6,
  rebase: 4,
  check: 5,
  'ref-transaction': 5,
  // Only a failed attempt without commits deletes its branch this way: about once a mission.
  'branch-delete': 1,
  merged: 4,
  completed: 1,
};

/** Events that mark random moments of the mission: an attempt under way, a merge in each phase. */
const MOMENT_EVENTS = [
  'attempt:started',
  'attempt:ended',
  'merge:queued',
  'merge:rebasing',
  'merge:verifying',
  'merge:merged',
  'merge:rejected',
  'branch:promoted',
  'health:snapshot',
] as const;

/**
 * `unsettled`: units still to run or merge. A start reaches a step about once
 * per such unit, so a later occurrence would likely never come and the start
 * would run to the end without its kill.
 */
export function planKill(random: Random, unsettled: number): PlannedKill {
  const mode = random.pick(KILL_MODES);
  const draw = random.next();
  if (draw < 0.6) {
    const step = random.pick(CHAOS_STEPS);
    const most = Math.max(1, Math.min(STEP_OCCURRENCES[step], unsettled));
    return { mode, trigger: { kind: 'step', step, occurrence: random.int(1, most) } };
  }
  if (draw < 0.85) {
    return {
      mode,
      trigger: { kind: 'event', event: random.pick(MOMENT_EVENTS), occurrence: random.int(1, 3) },
    };
  }
  return { mode, trigger: { kind: 'delay', ms: random.int(300, 8000) } };
}
