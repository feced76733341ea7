import { describe, expect, it } from 'vitest';
import { textCells, wrapHanging } from '../../src/report/wrap-text.js';

describe('wrapHanging', () => {
  it('breaks at spaces and hangs the rest under the text', () => {
    expect(
      wrapHanging('  unit  failed  ', 'the agent exited with code 1 after it wrote nothing', 40),
    ).toEqual([
      '  unit  failed  the agent exited with',
      '                code 1 after it wrote',
      '                nothing',
    ]);
  });

  it('keeps the text whole: its own line breaks, and a word wider than a line split, not cut', () => {
    const lines = wrapHanging('x: ', `first line\nsecond ${'a'.repeat(50)}`, 30);
    expect(lines).toEqual(['x: first line', '   second', `   ${'a'.repeat(27)}`, `   ${'a'.repeat(23)}`]);
  });

  it('counts terminal cells: CJK takes two, so a line of it holds half as many characters', () => {
    const lines = wrapHanging('', '漢字漢字漢字 漢字漢字漢字 漢字漢字漢字', 26);
    for (const line of lines) expect(textCells(line)).toBeLessThanOrEqual(26);
    expect(lines).toEqual(['漢字漢字漢字 漢字漢字漢字', '漢字漢字漢字']);
  });

  it('strips control sequences an agent printed', () => {
    expect(wrapHanging('> ', 'red \u001b[31mok\u001b[0m\rPASSED', 80)).toEqual(['> red ok', '  PASSED']);
  });

  it('leaves at least 20 cells for text when the prefix is wide', () => {
    const lines = wrapHanging(`${'p'.repeat(30)} `, 'one two three four five six seven', 40);
    expect(lines[0]).toBe(`${'p'.repeat(30)} one two`);
    expect(lines.slice(1).every((line) => line.startsWith(' '.repeat(20)) && line.length <= 40)).toBe(true);
  });
});
