import type { CheckResult, Finding } from '../events/types.js';
import { TEST_PARSERS } from '../health/delta.js';
import type { Snapshot } from '../store/health.js';
import { assignIds } from './dedupe.js';
import { describeLogTail, failureExcerpt } from './check-log.js';
import {
  capList,
  filesKey,
  indent,
  proposalKeys,
  shortCommit,
  snapshotWhen,
  testKey,
  titleKey,
  type Proposal,
} from './proposal.js';

/** At most this many proposals come from one snapshot; the rest are named in the last one. */
export const MAX_PROPOSALS_PER_SNAPSHOT = 20;
/** Findings listed in one file's proposal. */
export const MAX_FINDINGS_LISTED = 25;
const CUT_NAMES_LISTED = 10;

export interface SnapshotContext {
  round: number | null;
  /** What the snapshot is of: 'baseline', 'round', 'candidate'. */
  label: string;
}

/** One piece of work a failing check asks for, before the cap. */
interface Candidate {
  /** How it is named when the cap leaves it out. */
  name: string;
  build: () => Proposal;
}

/**
 * What a snapshot's failing checks ask for, as proposed units: one per
 * failing test, one per file with lint, type or security findings (per
 * check), and one per failing check whose output named nothing (with the
 * end of its log). Gating checks come first; the order within a check is
 * the parser's (tests by name, files by path), so the same snapshot always
 * gives the same proposals. Ids are provisional: see assignIds.
 */
export function proposalsFromSnapshot(snapshot: Snapshot, context: SnapshotContext): Proposal[] {
  const failing = snapshot.checks.filter((check) => !check.passed);
  const ordered = [...failing.filter((check) => check.gate), ...failing.filter((check) => !check.gate)];
  const candidates = ordered.flatMap((check) => candidatesOf(check, snapshot, context));
  const kept = candidates.slice(0, MAX_PROPOSALS_PER_SNAPSHOT).map((candidate) => candidate.build());
  const cut = candidates.slice(MAX_PROPOSALS_PER_SNAPSHOT);
  const last = kept.at(-1);
  if (last && cut.length > 0) {
    last.prompt +=
      `\n\nNot proposed from this snapshot (at most ${MAX_PROPOSALS_PER_SNAPSHOT} proposals per snapshot), ` +
      `${cut.length} more:\n${indent(
        capList(
          cut.map((candidate) => `- ${candidate.name}`),
          CUT_NAMES_LISTED,
          'items',
        ),
      )}`;
  }
  return assignIds(kept, new Set());
}

function candidatesOf(check: CheckResult, snapshot: Snapshot, context: SnapshotContext): Candidate[] {
  const where = `on ${shortCommit(snapshot.commit)} ${snapshotWhen(context)}`;
  const parsed = check.parsed?.recognized && !check.unreadable ? check.parsed : undefined;
  if (parsed && TEST_PARSERS.has(parsed.parser) && parsed.failing.length > 0) {
    return parsed.failing.map((test) => ({
      name: `test "${test}" (check "${check.name}")`,
      build: () => testProposal(check, test, parsed.failing, where),
    }));
  }
  const findings = parsed && !TEST_PARSERS.has(parsed.parser) ? failingFindings(parsed) : [];
  if (findings.length > 0) {
    return [...groupByFile(findings)].map(([file, inFile]) => ({
      name: `${inFile.length} finding(s) of check "${check.name}" in ${file}`,
      build: () => findingsProposal(check, file, inFile, where),
    }));
  }
  return [{ name: `check "${check.name}"`, build: () => checkProposal(check, where) }];
}

function testProposal(check: CheckResult, test: string, failing: readonly string[], where: string): Proposal {
  const file = testFile(test);
  const excerpt = failureExcerpt(check, test, failing);
  const lines = [
    `The test "${test}" fails in ${describeCheck(check)} ${where}.`,
    ...(file ? [`Test file: ${file}`] : []),
    'Make it pass by fixing the code it tests (or the test, if the test is wrong); keep every other test passing.',
    '',
    ...(excerpt
      ? ['How it failed:', indent(excerpt)]
      : [`Its failure output is in the check's log: ${check.logPath || '(no log)'}`]),
  ];
  const title = testTitle(test);
  return {
    unitId: '',
    title,
    prompt: lines.join('\n'),
    dependsOn: [],
    files: file ? [file] : [],
    source: 'health',
    discoveredFrom: `check "${check.name}" ${where}: test "${test}" failed`,
    keys: proposalKeys(titleKey(title), testKey(test)),
  };
}

function findingsProposal(
  check: CheckResult,
  file: string,
  findings: readonly Finding[],
  where: string,
): Proposal {
  const listed = capList(findings.map(describeFindingLine), MAX_FINDINGS_LISTED, 'findings in this file');
  const count = findings.length === 1 ? '1 finding' : `${findings.length} findings`;
  const place = file === '' ? 'about no file in particular' : `in ${file}`;
  const title = `Fix ${check.name} findings ${file === '' ? 'of the project' : `in ${file}`}`;
  const prompt = [
    `${capitalize(describeCheck(check))} reports ${count} ${place} ${where}:`,
    indent(listed.map((line) => `- ${line}`)),
    '',
    `Fix ${findings.length === 1 ? 'it' : 'them'} without unrelated changes, so that the check no longer reports ${findings.length === 1 ? 'it' : 'them'}.`,
  ].join('\n');
  return {
    unitId: '',
    title,
    prompt,
    dependsOn: [],
    files: file === '' ? [] : [file],
    source: 'health',
    discoveredFrom: `check "${check.name}" ${where}: ${count} ${place}`,
    keys: proposalKeys(titleKey(title), filesKey(`health/${check.name}`, file === '' ? [] : [file])),
  };
}

function checkProposal(check: CheckResult, where: string): Proposal {
  const title = `Fix failing check "${check.name}"`;
  const why = [failureOf(check), check.note].filter(Boolean).join('; ');
  const prompt = [
    `${capitalize(describeCheck(check))} fails ${where}: ${why}.`,
    'No failing test or finding could be read from its output.',
    '',
    ...describeLogTail(check),
    '',
    'Make the check pass without unrelated changes.',
  ].join('\n');
  return {
    unitId: '',
    title,
    prompt,
    dependsOn: [],
    files: [],
    source: 'health',
    discoveredFrom: `check "${check.name}" ${where}: ${failureOf(check)}`,
    keys: proposalKeys(titleKey(title)),
  };
}

/** How a check ended, in words. */
export function failureOf(check: CheckResult): string {
  switch (check.outcome) {
    case 'timed-out':
      return 'it timed out';
    case 'killed':
      return 'it was killed';
    case 'spawn-failed':
      return 'it could not be started';
    case 'exited':
      return check.exitCode === null
        ? 'it ended without an exit code'
        : `it exited with code ${check.exitCode}`;
  }
}

export function describeCheck(check: CheckResult): string {
  return `check "${check.name}" (${check.gate ? 'gating' : 'not gating'})`;
}

/**
 * The findings that made the check fail: its errors, or every finding when
 * it has no errors (a linter run with `--max-warnings 0`). Snapshots from
 * before findings were kept give names only ("path:line rule").
 */
function failingFindings(parsed: NonNullable<CheckResult['parsed']>): Finding[] {
  const findings = parsed.findings ?? parsed.failing.flatMap(findingFromName);
  const errors = findings.filter((finding) => finding.severity !== 'warning');
  return errors.length > 0 ? errors : findings;
}

function findingFromName(name: string): Finding[] {
  const match = /^(.*):(\d+) (\S.*)$/.exec(name);
  if (!match) return [];
  return [{ file: match[1] ?? '', line: Number(match[2]), rule: match[3] ?? '', message: '' }];
}

/** Findings by file, files in path order, findings in the tool's order within each. */
function groupByFile(findings: readonly Finding[]): Map<string, Finding[]> {
  const byFile = new Map<string, Finding[]>();
  for (const file of [...new Set(findings.map((finding) => finding.file))].sort())
    byFile.set(
      file,
      findings.filter((finding) => finding.file === file),
    );
  return byFile;
}

export function describeFindingLine(finding: Finding): string {
  const where = finding.line > 0 ? `line ${finding.line}` : 'no line';
  const message = finding.message ? `: ${finding.message}` : '';
  const severity = finding.severity ? ` (${finding.severity})` : '';
  return `${where} ${finding.rule}${message}${severity}`;
}

/**
 * The file a test's name starts with: pytest's "path::test", vitest's,
 * jest's and node:test's "path > suite > test". Undefined when the name
 * does not start with a path.
 */
export function testFile(test: string): string | undefined {
  const head = test.includes('::') ? test.slice(0, test.indexOf('::')) : test.split(' > ')[0];
  if (head === undefined || head === test) return looksLikePath(test) ? test : undefined;
  return looksLikePath(head) ? head : undefined;
}

function looksLikePath(text: string): boolean {
  return /^[^\s:]+\.[A-Za-z0-9]+$/.test(text) && !text.startsWith('/');
}

/** 'Fix "adds" in math.test.js > math': the test's own name first, then where it is. */
function testTitle(test: string): string {
  const suite = test.lastIndexOf(' > ');
  const node = test.lastIndexOf('::');
  const [at, length] = suite > node ? [suite, 3] : [node, 2];
  if (at === -1) return `Fix "${test}"`;
  return `Fix "${test.slice(at + length)}" in ${test.slice(0, at)}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
