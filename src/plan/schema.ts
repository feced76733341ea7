import { z } from 'zod';
import { AgentSchema, ChecksSchema, timerMs } from '../config/schema.js';

/**
 * The plan file format. The schema checks shapes only; rules that need the
 * whole plan (unique ids, known dependencies, no cycles, ids usable in branch
 * names) live in validatePlan so all of them are reported together.
 */

export const UnitSchema = z.strictObject({
  id: z.string(),
  title: z.string(),
  prompt: z.string(),
  // snake_case because plan files are often written by agents and other tools
  // that already use this spelling; the rest of gaffer keeps camelCase.
  depends_on: z.array(z.string()).default([]),
  /** Overrides the config's attemptTimeoutMs for this unit. */
  timeoutMs: timerMs(1).optional(),
  /** Replaces the config's agent for this unit. */
  agent: AgentSchema.optional(),
  /** Replaces the config's checks when verifying this unit's merge. */
  checks: ChecksSchema.optional(),
  /** Paths (or folders ending in "/", or globs) this unit expects to touch: units that overlap do not run at the same time. */
  files: z.array(z.string().min(1)).optional(),
  /** Where its attempts run: "local", a host's name or one of its labels; anywhere when absent. */
  host: z.string().min(1).optional(),
});

export const PlanSchema = z.strictObject({
  name: z.string().min(1).default('plan'),
  /** What the whole plan is for: every prompt starts with it. */
  objective: z.string().optional(),
  units: z.array(UnitSchema).min(1),
});

export type Plan = z.infer<typeof PlanSchema>;
export type PlanInput = z.input<typeof PlanSchema>;
export type Unit = z.infer<typeof UnitSchema>;
export type UnitInput = z.input<typeof UnitSchema>;
