import type { CheckResult } from '../events/types.js';
import { snapshotDelta, TEST_PARSERS } from '../health/delta.js';
import type { Snapshot } from '../store/health.js';
import { describeLogTail } from './check-log.js';
import { assignIds } from './dedupe.js';
import { describeFindingLine, failureOf } from './from-health.js';
import { capList, indent, proposalKeys, shortCommit, titleKey, type Proposal } from './proposal.js';

/** Failing tests or findings named per check in a fixup's prompt. */
/** A fixup's key names the checks it is about: no second proposal for the same failures. */
const FIXUP_KEY = 'fixup:';

export const MAX_FAILURES_LISTED = 20;

export interface FixupContext {
  round: number | null;
  /** The working branch the snapshot is of. */
  working: string;
}

/**
 * The one unit that makes the working branch green again, ahead of new work
 * that would otherwise be judged against a red target. Proposed when a
 * gating check that passed on the previous snapshot fails on this one (a
 * regression), or when there is no previous snapshot and this one, the
 * baseline, fails a gating check (a red baseline). Checks are matched by
 * name; one missing from the previous snapshot never passed there, so its
 * failure is not a regression. Non-gating checks never call for a fixup:
 * they do not hold the branch back.
 */
export function fixupProposal(
  current: Snapshot,
  previous: Snapshot | undefined,
  context: FixupContext,
): Proposal | undefined {
  const failing = current.checks.filter((check) => check.gate && !check.passed);
  const red = previous
    ? failing.filter((check) => previous.checks.some((before) => before.name === check.name && before.passed))
    : failing;
  if (red.length === 0) return undefined;

  const names = red.map((check) => check.name);
  const listed = names.map((name) => `"${name}"`).join(', ');
  const when = context.round === null ? '' : ` (round ${context.round})`;
  const at = `${context.working} at ${shortCommit(current.commit)}${when}`;
  const plural = red.length === 1 ? 'check' : 'checks';
  const title = previous
    ? `Repair regressed ${plural}: ${names.join(', ')}`
    : `Repair red baseline: ${names.join(', ')}`;
  const opening = previous
    ? `The working branch ${at} fails gating ${plural} ${listed}, which passed on its previous snapshot (${shortCommit(previous.commit)}).`
    : `The baseline, ${at}, fails gating ${plural} ${listed} before any unit has run.`;
  const newSince = previous
    ? snapshotDelta(previous, current).filter((regression) => names.includes(regression.check))
    : [];
  const prompt = [
    opening,
    'New work would be judged against a red target, so this comes first.',
    `Make ${red.length === 1 ? 'it' : 'them'} pass again without unrelated changes: fix the cause, do not skip, delete or weaken tests or checks.`,
    ...(newSince.length > 0
      ? [
          '',
          'What changed since the previous snapshot:',
          indent(
            capList(
              newSince.map((r) => `- ${r.detail}`),
              MAX_FAILURES_LISTED,
              'changes',
            ),
          ),
        ]
      : []),
    ...red.flatMap((check) => ['', ...describeFailure(check)]),
  ].join('\n');

  const [proposal] = assignIds(
    [
      {
        unitId: '',
        title,
        prompt,
        dependsOn: [],
        files: [],
        source: 'fixup',
        discoveredFrom: previous
          ? `regression on ${at}: ${listed} passed on ${shortCommit(previous.commit)} and fail now`
          : `red baseline on ${at}: ${listed} fail`,
        keys: proposalKeys(titleKey(title), `${FIXUP_KEY}${[...names].sort().join(',')}`),
      },
    ],
    new Set(),
  );
  return proposal;
}

/** A failing check for the fixup's prompt: how it ended, what it names, the end of its output. */
function describeFailure(check: CheckResult): string[] {
  const parsed = check.parsed?.recognized && !check.unreadable ? check.parsed : undefined;
  const why = [failureOf(check), check.note].filter(Boolean).join('; ');
  const lines = [`Check "${check.name}": ${why}.`];
  const findings = parsed?.findings?.filter((finding) => finding.severity !== 'warning') ?? [];
  if (findings.length > 0) {
    const named = findings.map(
      (finding) => `- ${finding.file || '(no file)'}: ${describeFindingLine(finding)}`,
    );
    lines.push('Findings:', indent(capList(named, MAX_FAILURES_LISTED, 'findings')));
  } else if (parsed && parsed.failing.length > 0) {
    lines.push(
      'Failing:',
      indent(
        capList(
          parsed.failing.map((name) => `- ${name}`),
          MAX_FAILURES_LISTED,
          TEST_PARSERS.has(parsed.parser) ? 'failing tests' : 'failing',
        ),
      ),
    );
  }
  lines.push(...describeLogTail(check));
  return lines;
}

/** The checks a fixup proposal is about (read from its key, where fixupProposal put them). */
export function fixupChecks(fixup: Proposal): Set<string> {
  const key = fixup.keys.find((candidate) => candidate.startsWith(FIXUP_KEY));
  return new Set(key === undefined ? [] : key.slice(FIXUP_KEY.length).split(','));
}
