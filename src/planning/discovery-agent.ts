import { z } from 'zod';
import { formatZodIssues, readableIssueMessages } from '../config/format-issues.js';
import type { AgentConfig, Config } from '../config/schema.js';
import { GafferError, ExitCode } from '../errors.js';
import { askForJson, type Checked } from './ask-json.js';

/**
 * The discovery agent: audits the repository against the objective and the
 * plan so far, and proposes units as JSON, checked by a schema. An unusable
 * answer is sent back once with the error; a second one is an error. At most
 * `discovery.maxPerRound` proposals are kept; the rest are cut, and a note
 * says so.
 */

export interface AgentProposal {
  title: string;
  prompt: string;
  /** Repository-relative paths or globs it expects to touch ([] when the agent named none). */
  files: string[];
  /** Ids of plan units it needs merged first. */
  dependsOn: string[];
}

export interface DiscoveryAnswer {
  proposals: AgentProposal[];
  /** Said when proposals beyond the cap were cut. */
  note?: string;
}

export interface DiscoveryAgentOptions {
  objective: string;
  units: readonly { id: string; title: string; status: string }[];
  repo: string;
  baseCommit: string;
  /** Paths resolved (loadConfig). */
  config: Config;
  stateDir: string;
  signal: AbortSignal;
  onProgress?: (message: string) => void;
}

/** The discovery agent's answer could not be used twice. */
export class DiscoveryAnswerError extends GafferError {
  constructor(message: string) {
    super(message, 'discovery-answer', ExitCode.plan);
  }
}

const ProposalSchema = z.strictObject({
  title: z.string().trim().min(1),
  prompt: z.string().trim().min(1),
  files: z.array(z.string().min(1)).default([]),
  depends_on: z.array(z.string().min(1)).default([]),
});

const AnswerSchema = z.strictObject({ proposals: z.array(ProposalSchema) });

export async function askDiscoveryAgent(options: DiscoveryAgentOptions): Promise<DiscoveryAnswer> {
  const agent: AgentConfig | undefined = options.config.discovery.agent;
  if (agent === undefined) {
    throw new GafferError(
      'no discovery agent is configured: set "discovery.agent" in the config (like {"kind": "claude"})',
      'config',
      ExitCode.config,
    );
  }
  const { maxPerRound } = options.config.discovery;
  const knownIds = new Set(options.units.map((unit) => unit.id));
  const result = await askForJson({
    label: 'discovery',
    agent,
    prompt: discoveryPrompt(options, maxPerRound),
    repo: options.repo,
    baseCommit: options.baseCommit,
    stateDir: options.stateDir,
    timeoutMs: options.config.discovery.timeoutMs,
    stallMs: options.config.stallMs,
    graceMs: options.config.killGraceMs,
    signal: options.signal,
    check: (value) => checkDiscoveryAnswer(value, knownIds),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  if (!result.ok) {
    throw new DiscoveryAnswerError(
      `the discovery agent's answer was unusable twice; the last error: ${result.error}`,
    );
  }
  const proposals = result.value;
  if (proposals.length <= maxPerRound) return { proposals };
  return {
    proposals: proposals.slice(0, maxPerRound),
    note: `the discovery agent proposed ${proposals.length} units; the first ${maxPerRound} were kept ("discovery.maxPerRound")`,
  };
}

export function checkDiscoveryAnswer(
  value: unknown,
  knownIds: ReadonlySet<string>,
): Checked<AgentProposal[]> {
  const parsed = AnswerSchema.safeParse(value, { error: readableIssueMessages });
  if (!parsed.success) return { ok: false, error: formatZodIssues(parsed.error, 'the answer') };
  const unknown = parsed.data.proposals.flatMap((proposal, index) =>
    proposal.depends_on
      .filter((id) => !knownIds.has(id))
      .map((id) => `proposals.${index}.depends_on names "${id}", which is not a unit of the plan`),
  );
  if (unknown.length > 0) {
    return { ok: false, error: `${unknown.join('; ')}: depend only on the ids listed in the plan so far` };
  }
  return {
    ok: true,
    value: parsed.data.proposals.map((proposal) => ({
      title: proposal.title,
      prompt: proposal.prompt,
      files: proposal.files,
      dependsOn: proposal.depends_on,
    })),
  };
}

function discoveryPrompt(options: DiscoveryAgentOptions, maxPerRound: number): string {
  const units =
    options.units.length === 0
      ? ['(no units yet)']
      : options.units.map((unit) => `- ${unit.id} (${unit.status}): ${unit.title}`);
  return [
    '# Find the work that is missing',
    '',
    'You audit a repository for gaffer, a supervisor that runs coding agents on the units of a plan. Compare the repository with the objective and the plan so far, and propose the units of work that are still missing: bugs, gaps, tests that should exist, follow-ups the plan does not cover. Propose nothing the plan already has.',
    '',
    '## The objective',
    '',
    options.objective.trim() === ''
      ? '(none given: audit for correctness and missing tests)'
      : options.objective.trim(),
    '',
    '## The plan so far',
    '',
    ...units,
    '',
    '## What to do',
    '',
    `You are in a checkout of commit ${options.baseCommit}. Read what you need, but change nothing: this checkout is thrown away.`,
    '',
    '## The answer',
    '',
    `Print exactly one JSON object, in a \`\`\`json fenced block, and nothing after it, with at most ${maxPerRound} proposals, the most important first ({"proposals": []} when nothing is missing):`,
    '',
    '```json',
    '{"proposals": [{"title": "one short line", "prompt": "…", "files": ["src/a.ts"], "depends_on": ["unit-id"]}]}',
    '```',
    '',
    '- "prompt": self-contained: the agent doing it sees only the objective and this prompt. Say what to change, where, and how to tell it is done.',
    '- "files" (optional): repository-relative paths or globs it expects to touch.',
    '- "depends_on" (optional): ids of units of the plan above that must be merged first.',
    '- No other fields.',
  ].join('\n');
}
