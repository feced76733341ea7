import { z } from 'zod';
import { assignIds } from './dedupe.js';
import { filesKey, proposalKeys, titleKey, type Proposal } from './proposal.js';

/**
 * One unit a discovery agent proposes, as it prints it (inside its JSON
 * answer). `depends_on` is spelled as in plan files, which such agents
 * already write.
 */
export const AgentProposalSchema = z.strictObject({
  title: z.string().trim().min(1, 'a proposal needs a title'),
  prompt: z.string().trim().min(1, 'a proposal needs a prompt that says what to do'),
  files: z.array(z.string()).default([]),
  depends_on: z.array(z.string()).default([]),
});
export type AgentProposal = z.infer<typeof AgentProposalSchema>;

export interface AgentAnswer {
  title: string;
  prompt: string;
  files?: readonly string[];
  dependsOn?: readonly string[];
}

/** A discovery agent's proposal as a Proposal; its files are planned work like a plan unit's. */
export function proposalFromAgent(answer: AgentAnswer, round: number | null): Proposal {
  const title = answer.title.trim();
  const files = repositoryPaths(answer.files ?? []);
  const found = round === null ? 'discovery agent' : `discovery agent, round ${round}`;
  const [proposal] = assignIds(
    [
      {
        unitId: '',
        title,
        prompt: `${answer.prompt.trim()}\n\nProposed by the ${found}.`,
        dependsOn: [...new Set(answer.dependsOn ?? [])],
        files,
        source: 'agent',
        discoveredFrom: found,
        keys: proposalKeys(titleKey(title), filesKey('work', files)),
      },
    ],
    new Set(),
  );
  if (!proposal) throw new Error('assignIds returned no proposal for one input');
  return proposal;
}

/** "./src/a.ts", "src\\a.ts" → "src/a.ts"; empty entries dropped; sorted, unique. */
function repositoryPaths(files: readonly string[]): string[] {
  const paths = files
    .map((file) =>
      file
        .trim()
        .replace(/\\/g, '/')
        .replace(/^(?:\.\/)+/, '')
        .replace(/\/+$/, ''),
    )
    .filter((file) => file !== '');
  return [...new Set(paths)].sort();
}
