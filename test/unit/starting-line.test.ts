import { describe, expect, it } from 'vitest';
import { wantsLiveUi } from '../../src/report/starting-line.js';

const tty = { stdout: true, stdin: true };
const flags = { headless: false, json: false };

describe('whether the live screen draws', () => {
  it('draws on a terminal that can move its cursor', () => {
    expect(wantsLiveUi(flags, { TERM: 'xterm-256color' }, tty)).toBe(true);
  });

  it('gives the headless lines to TERM=dumb and to a terminal with no TERM at all', () => {
    expect(wantsLiveUi(flags, { TERM: 'dumb' }, tty)).toBe(false);
    expect(wantsLiveUi(flags, {}, tty)).toBe(false);
    expect(wantsLiveUi(flags, { TERM: '' }, tty)).toBe(false);
  });

  it('gives them to CI, --headless, --json and a pipe on either end', () => {
    expect(wantsLiveUi(flags, { TERM: 'xterm', CI: 'true' }, tty)).toBe(false);
    expect(wantsLiveUi(flags, { TERM: 'xterm', CI: 'false' }, tty)).toBe(true);
    expect(wantsLiveUi({ headless: true, json: false }, { TERM: 'xterm' }, tty)).toBe(false);
    expect(wantsLiveUi({ headless: false, json: true }, { TERM: 'xterm' }, tty)).toBe(false);
    expect(wantsLiveUi(flags, { TERM: 'xterm' }, { stdout: false, stdin: true })).toBe(false);
    expect(wantsLiveUi(flags, { TERM: 'xterm' }, { stdout: true, stdin: false })).toBe(false);
  });
});
