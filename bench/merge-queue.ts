/**
 * merge-queue: what batching with bisection saves. 16 candidates (one file
 * each) wait in the real merge queue on a real repository, against a check
 * that takes 1 second; verified as one batch (batchSize 16) and serially
 * (batchSize 1), side by side in one run; then the same with one culprit
 * among the 16 (the 8th, breaking the check). Each side's result is checked:
 * the innocent units landed, the culprit did not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { queueHarness, type Candidate } from '../test/merge/queue-harness.js';
import { BenchFailure, checkFlags, cleanup, gitSync, initRepo, makeTempDir, type Benchmark } from './lib.js';

const CANDIDATES = 16;
const CULPRIT = 8;

const CHECK = [
  "import fs from 'node:fs';",
  'setTimeout(() => {',
  "  const broken = fs.readdirSync('files').filter((name) => fs.readFileSync(`files/${name}`, 'utf8').includes('BROKEN'));",
  '  process.exit(broken.length > 0 ? 1 : 0);',
  '}, 1000);',
].join('\n');

interface Side {
  seconds: number;
  verifications: number;
}

async function measure(batchSize: number, culprit: boolean): Promise<Side> {
  const repo = initRepo(path.join(makeTempDir('merge-queue'), 'repo'));
  fs.mkdirSync(path.join(repo, 'files'));
  fs.writeFileSync(path.join(repo, 'files', 'base.txt'), 'base\n');
  fs.writeFileSync(path.join(repo, 'check.mjs'), CHECK);
  gitSync(repo, ['add', '-A']);
  gitSync(repo, ['commit', '-q', '-m', 'check']);
  const candidates: Candidate[] = Array.from({ length: CANDIDATES }, (_, index) => ({
    id: `unit-${index + 1}`,
    files: { [`files/unit-${index + 1}.txt`]: culprit && index + 1 === CULPRIT ? 'BROKEN\n' : 'ok\n' },
  }));
  const checks = [
    {
      name: 'slow',
      command: [process.execPath, 'check.mjs'],
      timeoutMs: 60_000,
      gate: true,
      parser: 'exit-code' as const,
    },
  ];
  const harness = await queueHarness(repo, candidates, checks, batchSize);
  try {
    const started = performance.now();
    const outcomes = await harness.mergeAll();
    const seconds = (performance.now() - started) / 1000;
    for (const [id, outcome] of outcomes) {
      const shouldLand = !(culprit && id === `unit-${CULPRIT}`);
      if ((outcome.status === 'merged') !== shouldLand) {
        throw new BenchFailure(
          `batch size ${batchSize}: ${id} ended ${outcome.status}, expected ${shouldLand ? 'merged' : 'rejected'}`,
        );
      }
    }
    return { seconds, verifications: harness.queue.verificationCount };
  } finally {
    harness.close();
  }
}

async function run(argv: string[]): Promise<number> {
  checkFlags(argv, {});
  console.log(
    `merge-queue: ${CANDIDATES} candidates, a check that takes 1 s, batched (${CANDIDATES}) vs serial (1)`,
  );
  try {
    const clean = { batched: await measure(CANDIDATES, false), serial: await measure(1, false) };
    const culprit = { batched: await measure(CANDIDATES, true), serial: await measure(1, true) };
    for (const [label, pair] of [
      ['clean', clean],
      [`1 culprit (#${CULPRIT})`, culprit],
    ] as const) {
      console.log(
        `  ${label}: batched ${pair.batched.seconds.toFixed(2)} s in ${pair.batched.verifications} check runs, serial ${pair.serial.seconds.toFixed(2)} s in ${pair.serial.verifications}; all outcomes verified`,
      );
    }
    console.log('  (check runs include the target snapshot each side takes once)');
    const ratio = (pair: { batched: Side; serial: Side }): string =>
      (pair.batched.seconds / pair.serial.seconds).toFixed(2);
    console.log(
      `RESULT mq_clean_ratio=${ratio(clean)} mq_culprit_ratio=${ratio(culprit)} mq_verifications_clean=${clean.batched.verifications} mq_verifications_culprit=${culprit.batched.verifications}`,
    );
    return 0;
  } finally {
    await cleanup();
  }
}

export const mergeQueue: Benchmark = {
  name: 'merge-queue',
  summary: `${CANDIDATES} candidates vs a 1 s check, batched vs serial, clean and with one culprit`,
  flags: [],
  run,
};
