import type { Handoff } from '../workers/handoff.js';
import { assignIds } from './dedupe.js';
import { filesKey, proposalKeys, shortTitle, titleKey, type Proposal } from './proposal.js';

/**
 * The work an attempt's handoff says it found and left alone: one proposal
 * per entry of `discoveries`. A string is its own title (first line, cut)
 * and prompt; `{title, prompt?}` gives both. Files are only those the text
 * names as paths: a guess would add overlap edges nobody asked for.
 */
export function proposalsFromHandoff(unitId: string, attempt: number, handoff: Handoff): Proposal[] {
  const found = `handoff of unit ${unitId}, attempt ${attempt}`;
  const summary = shortTitle(handoff.summary, 200);
  const proposals = handoff.discoveries.flatMap((discovery): Proposal[] => {
    const title = shortTitle(typeof discovery === 'string' ? discovery : discovery.title);
    const body = (typeof discovery === 'string' ? discovery : (discovery.prompt ?? discovery.title)).trim();
    if (title === '' || body === '') return [];
    const fullTitle = typeof discovery === 'string' ? '' : discovery.title.trim();
    const files = namedPaths(`${fullTitle}\n${body}`);
    const origin =
      `Found by unit ${unitId} (attempt ${attempt}) while it worked on its own task` +
      (summary ? `; its summary: "${summary}"` : '') +
      '. It is not done yet: check the code as it is now before changing it.';
    const heading = typeof discovery === 'string' || body === fullTitle ? [] : [fullTitle, ''];
    return [
      {
        unitId: '',
        title,
        prompt: [...heading, body, '', origin].join('\n'),
        dependsOn: [],
        files,
        source: 'handoff',
        discoveredFrom: found,
        keys: proposalKeys(titleKey(title), filesKey('handoff', files)),
      },
    ];
  });
  return assignIds(proposals, new Set());
}

const SOURCE_EXTENSIONS = new Set(
  (
    'ts tsx mts cts js jsx mjs cjs json md mdx py pyi rs go java kt kts scala rb php c h cc cpp hpp cs swift m ' +
    'yml yaml toml ini cfg conf sql sh bash zsh ps1 css scss sass less html htm vue svelte astro txt csv xml ' +
    'gradle proto graphql gql lock env dockerfile tf ex exs erl hs ml clj lua r dart zig nim'
  ).split(' '),
);

/**
 * Repository-relative paths a text names: a token with a known source
 * extension ("src/api/client.ts", "README.md") that starts a word, so never
 * an absolute path or a URL's, nor a path that climbs out with "..".
 * Sorted, unique.
 */
export function namedPaths(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(
    /(?:^|[\s`'"(\[])((?:\.\/)?[\w@.+-]+(?:\/[\w@.+-]+)*\.([A-Za-z0-9]+))(?=$|[\s`'"),:;!?\]]|\.(?:\s|$))/gm,
  )) {
    const token = match[1] ?? '';
    const extension = (match[2] ?? '').toLowerCase();
    if (!SOURCE_EXTENSIONS.has(extension)) continue;
    const path = token.replace(/^\.\//, '');
    if (path.split('/').some((segment) => segment === '..' || segment === '')) continue;
    found.add(path);
  }
  return [...found].sort();
}
