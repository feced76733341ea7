import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { cellWidth, cutCells, padCells, wrapCells } from '../../src/util/cells.js';
import { fitParts, separatorOf, type Part } from '../../components/fit-line.js';
import { screenText } from '../../components/view-model/screen-text.js';

describe('widths in terminal cells', () => {
  it('counts a CJK character and an emoji as two cells, a combining mark as none', () => {
    expect(cellWidth('abc')).toBe(3);
    expect(cellWidth('漢字')).toBe(4);
    expect(cellWidth('🚀')).toBe(2);
    expect(cellWidth('👍🏽')).toBe(2);
    expect(cellWidth('e\u0301')).toBe(1);
    expect(cellWidth('')).toBe(0);
  });

  it('measures Latin letters, dashes, quotes and the ellipsis without string-width exactly as it does', () => {
    const ranges: [number, number][] = [
      [0x20, 0x7e],
      [0xa0, 0x2ff],
      [0x2010, 0x2027],
    ];
    for (const [first, last] of ranges)
      for (let code = first; code <= last; code += 1) {
        const text = `a${String.fromCodePoint(code)}b`;
        expect(cellWidth(text), `U+${code.toString(16)}`).toBe(stringWidth(text));
      }
    expect(cellWidth('run #2 — done · 3 attempts … and 30 more')).toBe(40);
    expect(cellWidth('soft\u00adhyphen')).toBe(10);
  });

  it('cuts to the width in cells with an ellipsis, never inside a grapheme', () => {
    expect(cutCells('abcdef', 6)).toBe('abcdef');
    expect(cutCells('abcdef', 4)).toBe('abc…');
    // Four cells: one character and the ellipsis; a second wide one would make five.
    expect(cutCells('漢字漢字', 4)).toBe('漢…');
    expect(cutCells('e\u0301e\u0301e\u0301', 2)).toBe('e\u0301…');
    expect(cutCells('👍🏽👍🏽', 3)).toBe('👍🏽…');
    expect(cutCells('anything', 0)).toBe('');
    for (const text of ['構文解析器を書いています', '🚀 deploying ✅ done', 'n\u0303'.repeat(40)])
      for (let width = 1; width < 30; width += 1)
        expect(stringWidth(cutCells(text, width)), `${text} at ${width}`).toBeLessThanOrEqual(width);
  });

  it('pads to exactly the width in cells', () => {
    expect(padCells('ab', 4)).toBe('ab  ');
    expect(padCells('漢', 4)).toBe('漢  ');
    expect(stringWidth(padCells('漢字漢字', 5))).toBe(5);
  });

  it('wraps at spaces, splits a word longer than the line, and keeps every line within the width', () => {
    expect(wrapCells('the quick brown fox', 10)).toEqual(['the quick', 'brown fox']);
    expect(wrapCells('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(wrapCells('漢字漢字漢', 4)).toEqual(['漢字', '漢字', '漢']);
    expect(wrapCells('one\ntwo', 10)).toEqual(['one', 'two']);
    const lines = wrapCells(`構文 解析器を書いています 🚀🚀🚀 ${'e\u0301'.repeat(30)}`, 7);
    for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(7);
    expect(lines.join('').replaceAll(' ', '')).toBe(`構文解析器を書いています🚀🚀🚀${'e\u0301'.repeat(30)}`);
  });
});

describe('emoji terminals disagree on', () => {
  it('lose their joiners, variation selectors and skin tones on screen: each emoji as wide everywhere', () => {
    expect(screenText('👍🏽 ok ❤️ 👨\u200d👩\u200d👧')).toBe('👍 ok ❤ 👨👩👧');
    expect(cellWidth(screenText('👍🏽👍🏽'))).toBe(4);
  });
});

describe('a line of parts fitted to a width', () => {
  const parts: Part[] = [
    { key: 'brand', text: 'gaffer', priority: 100 },
    { key: 'plan', text: 'a-very-long-plan-name', priority: 45, minCells: 8, separator: ' ' },
    { key: 'run', text: 'run #12', priority: 10 },
    { key: 'state', text: 'running', priority: 90 },
  ];
  const text = (shown: Part[]) => shown.map((part, index) => separatorOf(shown, index) + part.text).join('');

  it('shows every part when they fit', () => {
    expect(text(fitParts(parts, 80))).toBe('gaffer a-very-long-plan-name · run #12 · running');
  });

  it('drops the least important part first, then cuts one that can be cut, before dropping it', () => {
    expect(text(fitParts(parts, 40))).toBe('gaffer a-very-long-plan-name · running');
    expect(text(fitParts(parts, 30))).toBe('gaffer a-very-long-… · running');
    expect(text(fitParts(parts, 20))).toBe('gaffer · running');
    // The most important part is cut rather than lost.
    expect(text(fitParts(parts, 4))).toBe('gaf…');
  });
});
