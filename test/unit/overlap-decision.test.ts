import { describe, expect, it } from 'vitest';
import {
  decideStarts,
  findOverlap,
  type ExpectedPath,
  type Footprint,
} from '../../src/controller/overlaps.js';

const hint = (pattern: string): ExpectedPath => ({ pattern, from: { kind: 'hint' } });
const unit = (unitId: string, ...paths: ExpectedPath[]): Footprint => ({ unitId, paths });

describe('decideStarts', () => {
  it('holds a ready unit whose hints overlap a running one, and says why', () => {
    const decision = decideStarts(
      [unit('b', hint('src/api/')), unit('c', hint('docs/'))],
      [unit('a', hint('src/api/'))],
    );
    expect(decision.start).toEqual(['c']);
    expect(decision.waits).toEqual([
      { unitId: 'b', waitsFor: 'a', files: ['src/api/'], reason: 'both plan hints name src/api/' },
    ]);
  });

  it('starts two overlapping ready units one after the other, in plan order', () => {
    const decision = decideStarts(
      [unit('first', hint('src/parse.ts')), unit('second', hint('src/*.ts')), unit('third', hint('test/'))],
      [],
    );
    expect(decision.start).toEqual(['first', 'third']);
    expect(decision.waits).toEqual([
      {
        unitId: 'second',
        waitsFor: 'first',
        files: ['src/parse.ts'],
        reason: "its plan hint names src/*.ts; first's plan hint names src/parse.ts",
      },
    ]);
  });

  it("names a dependency's change and an earlier conflict as the source", () => {
    const fromDependency = unit('api', {
      pattern: 'src/parse.ts',
      from: { kind: 'dependency', dependency: 'parser' },
    });
    const conflicted = unit('cli', { pattern: 'src/parse.ts', from: { kind: 'conflict', attempt: 2 } });
    const decision = decideStarts([conflicted], [fromDependency]);
    expect(decision.start).toEqual([]);
    expect(decision.waits[0]?.reason).toBe(
      "it conflicted on src/parse.ts in attempt 2; api's dependency parser changed src/parse.ts",
    );
    expect(decision.waits[0]?.files).toEqual(['src/parse.ts']);
  });

  it('lets units without expected files, or with disjoint ones, start alongside anything', () => {
    const decision = decideStarts(
      [unit('free'), unit('docs', hint('docs/**'))],
      [unit('busy', hint('src/**'))],
    );
    expect(decision).toEqual({ start: ['free', 'docs'], waits: [] });
  });

  it('lists every shared file, the concrete path when one side is a folder or glob', () => {
    const wait = findOverlap(unit('b', hint('src/api/'), hint('README.md')), [
      unit('a', hint('src/api/routes.ts'), hint('README.md'), hint('test/')),
    ]);
    expect(wait?.files).toEqual(['src/api/routes.ts', 'README.md']);
  });

  it('never holds a unit for itself', () => {
    expect(findOverlap(unit('a', hint('src/')), [unit('a', hint('src/'))])).toBeUndefined();
  });
});
