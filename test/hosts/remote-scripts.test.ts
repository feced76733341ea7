import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { remoteCommand, RUN_SCRIPT, runInput } from '../../src/hosts/remote-scripts.js';

/** Runs a command line as ssh's remote side would: the login shell reads it. */
function asRemote(line: string, input = ''): string {
  return execFileSync('/bin/sh', ['-c', line], { input, encoding: 'utf8' });
}

afterAll(() => fs.rmSync(`/tmp/gaffer-scripts-${process.pid}`, { recursive: true, force: true }));

describe('the scripts sent to a worker host', () => {
  it('quote every argument: spaces, quotes, $ and newlines reach the script as they were', () => {
    const words = ["it's", 'a b', '$HOME', '`id`', 'two\nlines', '*', ''];
    const out = asRemote(remoteCommand('for word in "$@"; do printf "[%s]" "$word"; done', words));
    expect(out).toBe(words.map((word) => `[${word}]`).join(''));
  });

  it('carry the environment on stdin, byte for byte, and leave the rest of stdin to the command', () => {
    const env = { QUOTED: 'it\'s "here"', DOLLAR: '$PATH `x`', MULTI: 'one\ntwo', EMPTY: '', ÜNICODE: 'x' };
    const argv = [
      '/bin/sh',
      '-c',
      'printf "%s|%s|%s|%s|%s|" "$QUOTED" "$DOLLAR" "$MULTI" "${EMPTY-unset}" "${GAFFER_REMOTE_MARK}"; cat',
    ];
    const line = remoteCommand(RUN_SCRIPT, [
      'gtest-mark',
      '/tmp',
      `/tmp/gaffer-scripts-${process.pid}`,
      '1',
      '',
      ...argv,
    ]);
    const out = asRemote(line, runInput(env, '', "the agent's own input\n"));
    // A name that is not a shell name (ÜNICODE) is left out rather than breaking the script.
    expect(out).toBe(`it's "here"|$PATH \`x\`|one\ntwo||gtest-mark|the agent's own input\n`);
  });

  it("give the command none of the caller's environment but the host's base variables", () => {
    const line = remoteCommand(RUN_SCRIPT, [
      'gtest-mark2',
      '/tmp',
      `/tmp/gaffer-scripts-${process.pid}`,
      '1',
      '',
      '/usr/bin/env',
    ]);
    const out = execFileSync('/bin/sh', ['-c', line], {
      input: runInput({ GIVEN: 'yes' }, '', ''),
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: '/root', SECRET_TOKEN: 'must-not-cross' },
    });
    const names = out
      .split('\n')
      .map((entry) => entry.split('=')[0])
      .filter(Boolean)
      .sort();
    expect(out).not.toContain('must-not-cross');
    expect(names).toEqual(expect.arrayContaining(['GIVEN', 'GAFFER_REMOTE_MARK', 'PATH', 'HOME']));
  });

  it('write the file (the prompt) first, exactly, however large, and still leave the command its own input', () => {
    const dir = `/tmp/gaffer-scripts-${process.pid}`;
    const prompt = `${'a line of the prompt, ünïcode included\n'.repeat(5000)}no newline at the end`;
    const file = `${dir}/prompts/slot-1.md`;
    const line = remoteCommand(RUN_SCRIPT, [
      'gtest-mark4',
      '/tmp',
      dir,
      '1',
      file,
      '/bin/sh',
      '-c',
      'cat; echo "[$GIVEN]"',
    ]);
    const out = asRemote(line, runInput({ GIVEN: 'env' }, prompt, 'input\n'));
    expect(out).toBe('input\n[env]\n');
    expect(fs.readFileSync(file, 'utf8')).toBe(prompt);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it("report the command's own exit code, 255 included", () => {
    const line = remoteCommand(RUN_SCRIPT, [
      'gtest-mark3',
      '/tmp',
      `/tmp/gaffer-scripts-${process.pid}`,
      '1',
      '',
      '/bin/sh',
      '-c',
      'exit 255',
    ]);
    let code = 0;
    try {
      execFileSync('/bin/sh', ['-c', line], { input: runInput({}, '', '') });
    } catch (error) {
      code = (error as { status: number }).status;
    }
    expect(code).toBe(255);
    expect(asRemote(`cat /tmp/gaffer-scripts-${process.pid}/gtest-mark3.exit`)).toBe('255\n');
  });
});
