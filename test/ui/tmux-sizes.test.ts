/**
 * The live UI in a real terminal at 60x20, 80x24 and 120x40: a small scripted
 * mission (wide characters in titles and output, a long unit id, a failure
 * with a long reason) runs in tmux while the screen is captured again and
 * again. Every captured line fits the width in cells, the frame stays shorter
 * than the window, and no redraw scrolls a copy of the header into the
 * terminal's history (`#{history_size}` stays 0 while the UI draws).
 */
import fs from 'node:fs';
import path from 'node:path';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRepo, makeTempDir, removeTempDir, writeJson } from '../helpers/cli.js';
import { exitCodeOf, launcher, processesIn, Tmux } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait.js';

let tmux: Tmux | undefined;
let root: string | undefined;

afterEach(async () => {
  tmux?.killServer();
  tmux = undefined;
  const dir = root;
  root = undefined;
  try {
    if (dir !== undefined)
      await waitFor('gaffer and its children to end', () =>
        processesIn(dir).length === 0 ? true : undefined,
      );
  } finally {
    removeTempDir(dir);
  }
});

const LONG_ID = 'refactor-the-configuration-loader-and-its-watchers';

/** A unit that prints wide output, then waits for `gate` before it commits. */
function gatedUnit(id: string, title: string, gate: string, line: string) {
  return {
    id,
    title,
    prompt: [`@print 3 ${line}`, `@wait-file ${gate}`, `@write ${id}.txt ${id}`, `@commit ${id}`].join('\n'),
  };
}

/** Every captured line within the width in cells, and nothing scrolled into the history. */
function expectFits(screen: string, columns: number, rows: number, history: number): void {
  const lines = screen.replace(/\n$/, '').split('\n');
  expect(lines.length, screen).toBeLessThanOrEqual(rows);
  for (const line of lines)
    expect(stringWidth(line), `${line}\n--- in ---\n${screen}`).toBeLessThanOrEqual(columns);
  expect(history, `history_size after\n${screen}`).toBe(0);
}

describe('the live UI fits the terminal', () => {
  for (const [columns, rows] of [
    [60, 20],
    [80, 24],
    [120, 40],
  ] as const) {
    it(`at ${columns}x${rows}: every line fits, the header never scrolls into the history`, async () => {
      root = makeTempDir();
      makeRepo(path.join(root, 'repo'));
      const first = path.join(root, 'gate-first');
      const second = path.join(root, 'gate-second');
      writeJson(path.join(root, 'plan.json'), {
        name: '幅の広い計画-wide-plan',
        units: [
          gatedUnit(
            'kanji',
            '構文解析器と字句解析器を追加する',
            first,
            `構文解析器を書いています ${'字'.repeat(80)}`,
          ),
          {
            id: LONG_ID,
            title: 'fails with a reason longer than any row',
            prompt: [`@print 2 e\u0301te\u0301 ${'n\u0303'.repeat(100)}`, '@exit 3'].join('\n'),
          },
          gatedUnit(
            'emoji',
            '🚀 ship the 🎉 release notes ✅',
            second,
            `🚀 deploying ✅ 👍🏽 ${'🎉'.repeat(60)}`,
          ),
        ],
      });
      const configPath = writeJson(path.join(root, 'gaffer.json'), {
        repo: 'repo',
        plan: 'plan.json',
        concurrency: 2,
        maxAttempts: 1,
        killGraceMs: 500,
        rounds: { max: 1 },
      });
      tmux = new Tmux(launcher(root, ['run', '--config', configPath]), { columns, rows });
      const session = tmux;
      const check = (screen: string) => expectFits(screen, columns, rows, session.historySize());

      // Two attempts running, one of them printing wide characters.
      check(await session.waitForScreen('the first attempts running', (text) => /2 running/.test(text)));
      // The failing unit's attempt ends and the second gated unit takes its slot.
      check(await session.waitForScreen('the failure counted', (text) => /1 failed/.test(text)));
      fs.writeFileSync(first, '');
      check(await session.waitForScreen('the first unit merged', (text) => /1 done/.test(text)));
      for (let i = 0; i < 5; i += 1) check(session.screen());
      fs.writeFileSync(second, '');
      await exitCodeOf(root);
    }, 300_000);
  }
});
