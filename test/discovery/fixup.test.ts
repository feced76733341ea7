import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixupProposal } from '../../src/discovery/fixup.js';
import { fixtureCheck, logFolder, outputCheck, snapshotOf } from './snapshots.js';

let logs: ReturnType<typeof logFolder>;
beforeEach(() => {
  logs = logFolder();
});
afterEach(() => logs.remove());

const CONTEXT = { round: 3, working: 'gaffer/working' };

describe('the fixup proposal', () => {
  const passingTests = () =>
    fixtureCheck(logs.dir, { name: 'tests', parser: 'vitest', fixture: 'vitest/pass' });
  const failingTests = () =>
    fixtureCheck(logs.dir, { name: 'tests', parser: 'vitest', fixture: 'vitest/fail' });
  const passingLint = () =>
    fixtureCheck(logs.dir, { name: 'lint', parser: 'eslint', fixture: 'eslint/stylish-pass' });
  const failingLint = () =>
    fixtureCheck(logs.dir, { name: 'lint', parser: 'eslint', fixture: 'eslint/stylish-fail' });

  it('proposes a fixup when a gating check that passed before fails now', () => {
    const previous = snapshotOf('1111111111aaaa', [passingTests(), passingLint()]);
    const current = snapshotOf('2222222222bbbb', [failingTests(), passingLint()]);
    const proposal = fixupProposal(current, previous, CONTEXT);
    expect(proposal).toMatchObject({
      unitId: 'fixup-repair-regressed-check-tests',
      title: 'Repair regressed check: tests',
      source: 'fixup',
      files: [],
      dependsOn: [],
      discoveredFrom:
        'regression on gaffer/working at 2222222222 (round 3): "tests" passed on 1111111111 and fail now',
      keys: ['title:repair regressed check tests', 'fixup:tests'],
    });
    const lines = proposal?.prompt.split('\n') ?? [];
    expect(lines.slice(0, 3)).toEqual([
      'The working branch gaffer/working at 2222222222 (round 3) fails gating check "tests", which passed on its previous snapshot (1111111111).',
      'New work would be judged against a red target, so this comes first.',
      'Make it pass again without unrelated changes: fix the cause, do not skip, delete or weaken tests or checks.',
    ]);
    expect(lines).toContain('What changed since the previous snapshot:');
    expect(lines).toContain('  - test now fails: fail.test.js > cart > applies discount');
    expect(lines).toContain('Check "tests": it exited with code 1.');
    expect(lines).toContain('  - fail.test.js > cart > shipping > is free over 50');
    // The failing output's tail, from the log.
    expect(lines).toContain('        Tests  3 failed | 5 passed (8)');
    expect(proposal?.prompt).not.toContain('Check "lint"');
  });

  it('proposes nothing when the gating checks still pass', () => {
    const previous = snapshotOf('1111111111aaaa', [passingTests(), passingLint()]);
    const current = snapshotOf('2222222222bbbb', [passingTests(), passingLint()]);
    expect(fixupProposal(current, previous, CONTEXT)).toBeUndefined();
  });

  it('proposes nothing for a check that was already failing: nothing regressed', () => {
    const previous = snapshotOf('1111111111aaaa', [failingTests(), passingLint()]);
    const current = snapshotOf('2222222222bbbb', [failingTests(), passingLint()]);
    expect(fixupProposal(current, previous, CONTEXT)).toBeUndefined();
  });

  it('proposes nothing when only a non-gating check fails', () => {
    const advisory = () =>
      fixtureCheck(logs.dir, { name: 'lint', parser: 'eslint', fixture: 'eslint/stylish-fail', gate: false });
    const previous = snapshotOf('1111111111aaaa', [passingTests(), passingLint()]);
    expect(
      fixupProposal(snapshotOf('2222222222bbbb', [passingTests(), advisory()]), previous, CONTEXT),
    ).toBeUndefined();
    expect(
      fixupProposal(snapshotOf('2222222222bbbb', [passingTests(), advisory()]), undefined, CONTEXT),
    ).toBeUndefined();
  });

  it('proposes a fixup for a red baseline, listing findings by name', () => {
    const current = snapshotOf('3333333333cccc', [passingTests(), failingLint()]);
    const proposal = fixupProposal(current, undefined, { round: null, working: 'gaffer/working' });
    expect(proposal).toMatchObject({
      unitId: 'fixup-repair-red-baseline-lint',
      title: 'Repair red baseline: lint',
      discoveredFrom: 'red baseline on gaffer/working at 3333333333: "lint" fail',
      keys: ['title:repair red baseline lint', 'fixup:lint'],
    });
    const lines = proposal?.prompt.split('\n') ?? [];
    expect(lines[0]).toBe(
      'The baseline, gaffer/working at 3333333333, fails gating check "lint" before any unit has run.',
    );
    expect(lines).not.toContain('What changed since the previous snapshot:');
    expect(lines).toContain('Findings:');
    expect(lines).toContain("  - src/cart.js: line 6 eqeqeq: Expected '===' and instead saw '==' (error)");
    expect(lines).toContain(
      '  - src/broken.js: line 2 parsing-error: Parsing error: Unexpected token ; (error)',
    );
    expect(lines).toContain('  ✖ 5 problems (3 errors, 2 warnings)');
  });

  it('names every regressed check and redacts the output', () => {
    const secret = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    const manyFailures = Array.from({ length: 30 }, (_, index) => `FAIL case ${index}`).join('\n');
    const build = outputCheck(logs.dir, {
      name: 'build',
      parser: 'exit-code',
      output: `${manyFailures}\ntoken=${secret}\n`,
      exitCode: 2,
    });
    const earlier = logFolder();
    const buildBefore = outputCheck(earlier.dir, {
      name: 'build',
      parser: 'exit-code',
      output: 'ok\n',
      exitCode: 0,
    });
    earlier.remove();
    const previous = snapshotOf('1111111111aaaa', [passingTests(), buildBefore, passingLint()]);
    const current = snapshotOf('2222222222bbbb', [failingTests(), build, failingLint()]);
    const proposal = fixupProposal(current, previous, CONTEXT);
    expect(proposal?.title).toBe('Repair regressed checks: tests, build, lint');
    expect(proposal?.keys).toEqual([
      'title:repair regressed checks tests build lint',
      'fixup:build,lint,tests',
    ]);
    expect(proposal?.prompt.split('\n')[0]).toBe(
      'The working branch gaffer/working at 2222222222 (round 3) fails gating checks "tests", "build", "lint", which passed on its previous snapshot (1111111111).',
    );
    expect(proposal?.prompt).toContain('Check "build": it exited with code 2.');
    expect(proposal?.prompt).not.toContain(secret);
    expect(proposal?.prompt).toContain('token=[REDACTED]');
  });

  it('lists at most 20 failing tests of a check, and says how many more', () => {
    const failing = Array.from(
      { length: 25 },
      (_, index) => `math.test.js > case ${String(index).padStart(2, '0')}`,
    );
    const tests = {
      ...outputCheck(logs.dir, { name: 'tests', parser: 'exit-code', output: 'failed\n', exitCode: 1 }),
      parsed: {
        parser: 'vitest',
        counts: { passed: 0, failed: 25, errors: 0, warnings: 0, skipped: 0 },
        failing,
        recognized: true,
      },
    };
    const proposal = fixupProposal(snapshotOf('4444444444dddd', [tests]), undefined, CONTEXT);
    const lines = proposal?.prompt.split('\n') ?? [];
    expect(lines).toContain('  - math.test.js > case 19');
    expect(lines).not.toContain('  - math.test.js > case 20');
    expect(lines).toContain('  … and 5 more failing tests');
  });
});
