import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { terminalSafe, toTerminalText } from '../../src/util/terminal-text.js';

const ESC = '\u001b';
const BEL = '\u0007';
const ST = `${ESC}\\`;
/** Every byte a terminal could act on: C0 but tab and newline, DEL, C1, bidi overrides. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('toTerminalText', () => {
  it.each([
    ['clear screen', `a${ESC}[2Jb`, 'ab'],
    ['colours', `${ESC}[1;31merror${ESC}[0m: boom`, 'error: boom'],
    ['256-colour and truecolour', `${ESC}[38;5;196mx${ESC}[48;2;1;2;3my${ESC}[m`, 'xy'],
    ['cursor moves and private modes', `${ESC}[10;5H${ESC}[?25l${ESC}[?1049hz`, 'z'],
    ['window title ended by BEL', `a${ESC}]0;pwned${BEL}b`, 'ab'],
    ['window title ended by ST', `a${ESC}]2;pwned${ST}b`, 'ab'],
    ['hyperlink', `${ESC}]8;;https://evil.example${ST}click${ESC}]8;;${ST}`, 'click'],
    ['clipboard write', `a${ESC}]52;c;Y3VybCBldmlsIHwgc2g=${BEL}b`, 'ab'],
    ['unterminated OSC', `a${ESC}]0;pwned`, 'a'],
    ['DCS (sixel)', `a${ESC}Pq#0;2;0;0;0#0~~${ST}b`, 'ab'],
    ['APC (kitty graphics)', `a${ESC}_Gf=100;AAAA${ST}b`, 'ab'],
    ['PM', `a${ESC}^private${ST}b`, 'ab'],
    ['SOS', `a${ESC}Xhello${ST}b`, 'ab'],
    ['8-bit CSI', 'a\u009b2Jb', 'ab'],
    ['8-bit OSC ended by 8-bit ST', 'a\u009d0;pwned\u009cb', 'ab'],
    ['8-bit DCS', 'a\u0090payload\u009cb', 'ab'],
    ['save cursor and reset', `a${ESC}7b${ESC}cc${ESC}8`, 'abc'],
    ['charset designation', `a${ESC}(0b${ESC}#8`, 'ab'],
    ['bare ESC', `a${ESC}`, 'a'],
    ['ESC before a control', `a${ESC}${BEL}b`, 'ab'],
    ['unfinished CSI at the end', `a${ESC}[31`, 'a'],
    ['BEL', `ding${BEL}`, 'ding'],
    ['backspace', 'PASS\b\b\b\bFAIL', 'PASSFAIL'],
    ['NUL', 'a\u0000b', 'ab'],
    ['vertical tab and form feed', 'a\u000bb\u000cc', 'abc'],
    ['DEL', 'a\u007fb', 'ab'],
    ['C1 NEL', 'a\u0085b', 'ab'],
    ['bidi override', 'evil\u202ecod.exe', 'evilcod.exe'],
    ['bidi isolate', 'a\u2066b\u2069c', 'abc'],
  ])('removes %s', (_name, input, expected) => {
    const output = toTerminalText(input);
    expect(output).toBe(expected);
    expect(output).not.toMatch(CONTROL);
  });

  it('keeps tabs, printable text and every other Unicode character', () => {
    const text = 'a\tb — ünïcødé 中文 🚀 é';
    expect(toTerminalText(text)).toBe(text);
    expect(toTerminalText(text, { multiline: true })).toBe(text);
  });

  it('turns every line break into a space on one line, so words stay apart', () => {
    expect(toTerminalText('one\ntwo\r\nthree\rfour')).toBe('one two three four');
  });

  it('keeps line breaks as \\n with multiline, and a lone \\r cannot overwrite the line before it', () => {
    expect(toTerminalText('one\ntwo\r\nthree\rfour', { multiline: true })).toBe('one\ntwo\nthree\nfour');
    expect(toTerminalText('3 tests FAILED\rall tests passed', { multiline: true })).toBe(
      '3 tests FAILED\nall tests passed',
    );
  });

  it('ends an unterminated control string at the end of its line, not of the text', () => {
    expect(toTerminalText(`a${ESC}]0;title\nnext line`, { multiline: true })).toBe('a\nnext line');
    expect(toTerminalText(`a${ESC}Pq\nnext`, { multiline: true })).toBe('a\nnext');
  });

  it('leaves nothing a terminal acts on, whatever bytes come in', () => {
    // Every pair of one control byte and one ASCII or 8-bit byte, and a few nasty triples.
    const bytes = [
      ...Array.from({ length: 0xa0 }, (_, code) => String.fromCharCode(code)),
      '[',
      ']',
      'P',
      '\\',
    ];
    for (const first of bytes) {
      for (const second of bytes) {
        const input = `x${ESC}${first}${second}${ESC}[${first}y`;
        const output = toTerminalText(input, { multiline: true });
        expect(output, JSON.stringify(input)).not.toMatch(CONTROL);
      }
    }
  });

  it('is idempotent and cheap on clean text (the same string back)', () => {
    const clean = 'an ordinary line of agent output';
    expect(toTerminalText(clean)).toBe(clean);
    const dirty = `${ESC}[31mred${ESC}[0m\u0007`;
    expect(toTerminalText(toTerminalText(dirty))).toBe(toTerminalText(dirty));
  });

  it('catches what stripVTControlCharacters lets through', () => {
    const cases = [
      `a${ESC}b`, // bare ESC
      `a${BEL}b`, // BEL
      'a\rb', // carriage return
      'a\bb', // backspace
      'a\u0000b', // NUL
      `a${ESC}Pq#0~~${ST}b`, // DCS: the introducer and payload stay
      `a${ESC}_Gf=1;AAAA${ST}b`, // APC
      `a${ESC}^private${ST}b`, // PM
    ];
    for (const input of cases) {
      expect(stripVTControlCharacters(input), JSON.stringify(input)).toMatch(CONTROL);
      expect(toTerminalText(input), JSON.stringify(input)).not.toMatch(CONTROL);
    }
    // An unterminated OSC: Node keeps its payload as text ("a;pwned"), a terminal would swallow it.
    expect(stripVTControlCharacters(`a${ESC}]0;pwned`)).toBe('a;pwned');
    expect(toTerminalText(`a${ESC}]0;pwned`)).toBe('a');
  });
});

describe('terminalSafe', () => {
  it('cleans every string of a JSON-like value, keys and nested arrays included, and keeps the rest', () => {
    const value = {
      type: 'worker:output',
      line: `${ESC}]0;pwned${BEL}hello\r\nworld`,
      attempt: 2,
      ok: true,
      none: null,
      checks: [{ name: `lint${ESC}[2J`, tail: ['a\u0000b', 3] }],
      [`k${ESC}[1m`]: 'v',
    };
    expect(terminalSafe(value)).toEqual({
      type: 'worker:output',
      line: 'hello\nworld',
      attempt: 2,
      ok: true,
      none: null,
      checks: [{ name: 'lint', tail: ['ab', 3] }],
      k: 'v',
    });
    // The input is left as it was.
    expect(value.line).toContain(ESC);
  });
});
