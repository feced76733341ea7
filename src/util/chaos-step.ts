/**
 * Named crash points for the chaos harness (`npm run chaos`). With
 * `GAFFER_CHAOS_STEP=<step>` (or `<step>:<n>`, the n-th time) in its
 * environment, the supervisor prints `gaffer-chaos: holding at <step>` on
 * stderr when it reaches that step and then holds still (its event loop
 * blocked, its children running on) for `GAFFER_CHAOS_HOLD_MS` (default 60 s),
 * so the harness can kill it exactly there. Unset, which is always so outside
 * the harness, every call is a no-op.
 */

/** The moments a crash is hardest on: each one a side effect that a kill can cut in two. */
export const CHAOS_STEPS = [
  /** A workspace's files are half written. */
  'workspace',
  /** An attempt is recorded as running; its agent has just been started. */
  'spawn',
  /** The merge queue's rebase is running. */
  'rebase',
  /** A check is running on a candidate or a target. */
  'check',
  /** A ref transaction holds the locks of working and green, prepared, not committed. */
  'ref-transaction',
  /** An attempt branch is being deleted. */
  'branch-delete',
  /** A merge has just been recorded. */
  'merged',
  /** The run has just been recorded as completed. */
  'completed',
] as const;

export type ChaosStep = (typeof CHAOS_STEPS)[number];

interface Armed {
  step: ChaosStep;
  occurrence: number;
  holdMs: number;
}

let armed: Armed | undefined | null = null;
let reached = 0;

function arming(): Armed | undefined {
  if (armed !== null) return armed;
  const value = process.env.GAFFER_CHAOS_STEP;
  armed = undefined;
  if (!value) return armed;
  const [name, count] = value.split(':');
  if (!CHAOS_STEPS.includes(name as ChaosStep)) return armed;
  const occurrence = count === undefined ? 1 : Number.parseInt(count, 10);
  const holdMs = Number.parseInt(process.env.GAFFER_CHAOS_HOLD_MS ?? '60000', 10);
  armed = {
    step: name as ChaosStep,
    occurrence: Number.isInteger(occurrence) && occurrence > 0 ? occurrence : 1,
    holdMs: Number.isInteger(holdMs) && holdMs >= 0 ? holdMs : 60_000,
  };
  return armed;
}

/** True when the harness asked to hold at `step` (a caller may then take a slower path that exposes it). */
export function chaosArmed(step: ChaosStep): boolean {
  return arming()?.step === step;
}

/** Holds here when the harness asked for this step (the n-th time it is reached); otherwise returns at once. */
export function chaosStep(step: ChaosStep): void {
  const target = arming();
  if (target?.step !== step) return;
  reached += 1;
  if (reached !== target.occurrence) return;
  process.stderr.write(`gaffer-chaos: holding at ${step}\n`);
  // Blocks the whole process, as a stalled disk or a descheduled CPU would: nothing gaffer does moves on.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, target.holdMs);
}
