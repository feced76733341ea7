import { testName } from './test-names.js';

/**
 * The tests vitest 4's text reporters list, named "file > suite > test" like its FAIL headings.
 *
 * --reporter=verbose prints one line per test, its full name included:
 *
 *    ✓ fail.test.js > cart > sums items 3ms
 *    ↓ skip.test.js > search > ranks fuzzy matches
 *
 * --reporter=tree prints each file, then its suites and tests indented two spaces a level:
 *
 *    ❯ fail.test.js (5 tests | 3 failed) 19ms
 *      ❯ cart (4)
 *        ✓ sums items 3ms
 *
 * The default reporter prints a file's tests only when the file failed, and without the suite
 * lines; a tree with a level missing is not read (the caller also checks the count).
 */

// ✓ passed, × failed, ↓ skipped, □ todo, ❯ a failed or running suite, · pending.
const VERBOSE_LINE = /^ ([✓×↓□]) (.+ > .+)$/;
const MODULE_LINE = /^ [✓×❯↓□·] (\S.*?) \(\d+ tests?(?: \| [^)]*)?\)(?: \d+ms)?(?: \d+ MB heap used)?$/;
const TREE_ENTRY = /^( +)([✓×❯↓□·]) (.+)$/;
const SUITE_COUNT = / \(\d+\)$/;

export function listVitestTests(lines: readonly string[]): string[] {
  const verbose: string[] = [];
  for (const line of lines) {
    const entry = VERBOSE_LINE.exec(line);
    if (entry?.[1] && entry[2]) verbose.push(withoutSuffix(entry[2], entry[1]));
  }
  return verbose.length > 0 ? verbose : listTree(lines);
}

function listTree(lines: readonly string[]): string[] {
  const names: string[] = [];
  let file: string | undefined;
  let suites: { indent: number; title: string }[] = [];
  for (const [index, line] of lines.entries()) {
    const module = MODULE_LINE.exec(line);
    if (module?.[1]) {
      file = module[1];
      suites = [{ indent: 1, title: file }];
      continue;
    }
    const entry = TREE_ENTRY.exec(line);
    if (file === undefined || !entry?.[1] || !entry[2] || !entry[3]) {
      file = undefined;
      continue;
    }
    const indent = entry[1].length;
    while ((suites.at(-1)?.indent ?? 0) >= indent) suites.pop();
    // Each level is the one above plus two spaces: a gap means the reporter left a suite out.
    if ((suites.at(-1)?.indent ?? -1) !== indent - 2) return [];
    const next = TREE_ENTRY.exec(lines[index + 1] ?? '');
    if ((next?.[1]?.length ?? 0) > indent) {
      suites.push({ indent, title: entry[3].replace(SUITE_COUNT, '') });
      continue;
    }
    names.push(testName([...suites.map((suite) => suite.title), withoutSuffix(entry[3], entry[2])]));
  }
  return names;
}

/** Drops what vitest appends to a test's name: duration, retries, repeats, heap, a skip note. */
function withoutSuffix(text: string, glyph: string): string {
  let name = text.trimEnd();
  if (glyph === '↓') name = name.replace(/ \[[^\]]*\]$/, '');
  name = name.replace(/ \d+ MB heap used$/, '');
  name = name.replace(/ \(repeat x\d+\)$/, '');
  name = name.replace(/ \(retry x\d+\)$/, '');
  // A slow test's duration follows two spaces in the tree.
  return name.replace(/ +\d+ms$/, '');
}
