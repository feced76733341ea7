import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { askDiscoveryAgent, DiscoveryAnswerError } from '../../src/planning/discovery-agent.js';
import { removeTempDir } from '../helpers/cli.js';
import {
  fakePlannerAgent,
  leftCheckouts,
  makePlanningSandbox,
  type PlanningSandbox,
} from './planning-fixture.js';

let sandbox: PlanningSandbox;
beforeEach(() => {
  sandbox = makePlanningSandbox();
});
afterEach(() => {
  removeTempDir(sandbox.root);
});

function discover(scenario: string, discovery: Record<string, unknown> = {}) {
  return askDiscoveryAgent({
    objective: `Ship the parser. fake-planner: ${scenario}`,
    units: [{ id: 'first', title: 'Write first.txt', status: 'merged' }],
    repo: sandbox.repo,
    baseCommit: sandbox.baseCommit,
    config: sandbox.config({ discovery: { agent: fakePlannerAgent(sandbox.promptsDir), ...discovery } }),
    stateDir: sandbox.stateDir,
    signal: new AbortController().signal,
  });
}

describe('askDiscoveryAgent', () => {
  it('returns the proposals, cut to maxPerRound with a note, told the objective and the plan', async () => {
    const answer = await discover('proposals', { maxPerRound: 3 });

    expect(answer.proposals).toEqual([
      { title: 'Proposal 1', prompt: 'Do thing 1.', files: ['src/p1.ts'], dependsOn: ['first'] },
      { title: 'Proposal 2', prompt: 'Do thing 2.', files: ['src/p2.ts'], dependsOn: [] },
      { title: 'Proposal 3', prompt: 'Do thing 3.', files: ['src/p3.ts'], dependsOn: [] },
    ]);
    expect(answer.note).toContain('proposed 7 units; the first 3 were kept');
    const [prompt] = sandbox.prompts();
    expect(prompt).toContain('Ship the parser.');
    expect(prompt).toContain('- first (merged): Write first.txt');
    expect(prompt).toContain('at most 3 proposals');
    expect(leftCheckouts(sandbox.stateDir)).toEqual([]);
  });

  it('sends an invalid answer back once with the error and takes the second', async () => {
    const answer = await discover('proposals-bad-once');

    expect(answer.proposals).toHaveLength(5);
    expect(answer.note).toBeDefined();
    const prompts = sandbox.prompts();
    expect(prompts).toHaveLength(2);
    expect(prompts[1]).toContain('## Your previous answer could not be used');
    expect(prompts[1]).toContain('proposals.0.title');
  });

  it('fails after a second invalid answer, naming the error', async () => {
    const error = await discover('prose').then(
      () => undefined,
      (thrown: unknown) => thrown,
    );

    expect(error).toBeInstanceOf(DiscoveryAnswerError);
    expect((error as Error).message).toContain('unusable twice');
    expect((error as Error).message).toContain('printed no JSON object');
    expect(sandbox.prompts()).toHaveLength(2);
    expect(leftCheckouts(sandbox.stateDir)).toEqual([]);
  });
});
