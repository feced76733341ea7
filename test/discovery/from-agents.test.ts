import { describe, expect, it } from 'vitest';
import { AgentProposalSchema, proposalFromAgent } from '../../src/discovery/from-agent.js';
import { namedPaths, proposalsFromHandoff } from '../../src/discovery/from-handoff.js';
import { HandoffSchema } from '../../src/workers/handoff.js';

describe('proposals from a handoff', () => {
  const handoff = HandoffSchema.parse({
    status: 'done',
    summary: 'Added the API client with retries.\nDetails follow.',
    discoveries: [
      'The cache in src/cache.ts never expires entries; see https://example.com/docs/cache.ts for the design.',
      {
        title: 'Add pagination',
        prompt: 'List endpoints return 100 items at most: follow the `next` cursor.',
      },
      { title: 'Document the client in README.md' },
      '   ',
    ],
    files_changed: ['src/client.ts'],
  });

  it('makes one proposal per discovery, saying which unit found it and its summary', () => {
    const proposals = proposalsFromHandoff('api-client', 2, handoff);
    expect(proposals.map((proposal) => [proposal.unitId, proposal.title, proposal.files])).toEqual([
      [
        'disc-the-cache-in-src-cache-ts-never',
        'The cache in src/cache.ts never expires entries; see…',
        ['src/cache.ts'],
      ],
      ['disc-add-pagination', 'Add pagination', []],
      ['disc-document-the-client-in-readme-md', 'Document the client in README.md', ['README.md']],
    ]);
    for (const proposal of proposals) {
      expect(proposal.source).toBe('handoff');
      expect(proposal.discoveredFrom).toBe('handoff of unit api-client, attempt 2');
      expect(proposal.dependsOn).toEqual([]);
    }
    expect(proposals[1]?.prompt).toBe(
      [
        'Add pagination',
        '',
        'List endpoints return 100 items at most: follow the `next` cursor.',
        '',
        'Found by unit api-client (attempt 2) while it worked on its own task; its summary: "Added the API client with retries.". It is not done yet: check the code as it is now before changing it.',
      ].join('\n'),
    );
    expect(proposals[0]?.keys).toEqual([
      'title:the cache in src cache ts never expires entries see',
      'files:handoff:src/cache.ts',
    ]);
  });

  it('names no files the text does not name: not the files the unit changed', () => {
    const [proposal] = proposalsFromHandoff(
      'api-client',
      1,
      HandoffSchema.parse({
        status: 'done',
        summary: 's',
        discoveries: ['Retry on 429'],
        files_changed: ['src/a.ts'],
      }),
    );
    expect(proposal?.files).toEqual([]);
  });

  it('reads repository-relative paths only', () => {
    expect(
      namedPaths(
        'Touch ./src/a.ts, `lib/b.py` and (docs/c.md). Not /etc/passwd.txt, ../up.ts, http://host/x.ts, e.g. 1.5 or v2.0; also package.json.',
      ),
    ).toEqual(['docs/c.md', 'lib/b.py', 'package.json', 'src/a.ts']);
  });
});

describe('a proposal from a discovery agent', () => {
  it('carries the round and the files as planned work', () => {
    const answer = AgentProposalSchema.parse({
      title: ' Add rate limiting ',
      prompt: 'Limit each client to 10 requests a second.',
      files: ['./src/limit.ts', 'src/server.ts', 'src/limit.ts'],
      depends_on: ['api-client'],
    });
    const proposal = proposalFromAgent(
      { title: answer.title, prompt: answer.prompt, files: answer.files, dependsOn: answer.depends_on },
      4,
    );
    expect(proposal).toEqual({
      unitId: 'disc-add-rate-limiting',
      title: 'Add rate limiting',
      prompt: 'Limit each client to 10 requests a second.\n\nProposed by the discovery agent, round 4.',
      dependsOn: ['api-client'],
      files: ['src/limit.ts', 'src/server.ts'],
      source: 'agent',
      discoveredFrom: 'discovery agent, round 4',
      keys: ['title:add rate limiting', 'files:work:src/limit.ts,src/server.ts'],
    });
  });

  it('rejects an answer without a title or prompt, naming the field', () => {
    const result = AgentProposalSchema.safeParse({ title: '', prompt: '   ' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['title', 'a proposal needs a title'],
      ['prompt', 'a proposal needs a prompt that says what to do'],
    ]);
  });
});
