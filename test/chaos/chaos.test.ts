import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { parseResultLine } from '../../bench/chaos/violations.js';

const harness = fileURLToPath(new URL('../../dist/bench/chaos.js', import.meta.url));

it(
  'the chaos harness lands at least 10 kills and every invariant holds',
  async () => {
    // Small missions, five kills each: two missions (batch 1, then batch 3), a few minutes on a busy machine.
    const run = await execa(
      process.execPath,
      [harness, '--kills', '10', '--kills-per-mission', '5', '--small'],
      {
        reject: false,
        all: true,
      },
    );
    const output = run.all ?? '';
    const result = output.split('\n').findLast((line) => line.startsWith('RESULT '));
    // On failure the harness's own output says what broke, with the seed to replay it.
    expect(result, output).toBeDefined();
    const counts = parseResultLine(result ?? '');
    expect(counts.kills).toBeGreaterThanOrEqual(10);
    expect(counts.units_done).toBeGreaterThan(0);
    expect(
      {
        lost: counts.lost,
        merged_twice: counts.merged_twice,
        unverified_green: counts.unverified_green,
        strikes_from_crash: counts.strikes_from_crash,
        leftovers: counts.leftovers,
        manual_repairs: counts.manual_repairs,
        bad_exits: counts.bad_exits,
      },
      output,
    ).toEqual({
      lost: 0,
      merged_twice: 0,
      unverified_green: 0,
      strikes_from_crash: 0,
      leftovers: 0,
      manual_repairs: 0,
      bad_exits: 0,
    });
    expect(run.exitCode, output).toBe(0);
  },
  15 * 60_000,
);
