/**
 * merge-queue: what batching and parallel verification save. 16 candidates
 * (one file each) wait in the real merge queue on a real repository, against
 * a check that takes 1 second; verified as one batch (batchSize 16), as one
 * batch with 4 verifiers (prefixes verified at once), and serially
 * (batchSize 1), side by side in one run; then the same with one culprit
 * among the 16 (the 8th, breaking the check). Each side's result is checked:
 * the innocent units landed, the culprit did not, and green only ever held
 * commits whose checks passed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { queueHarness, reflog, type Candidate } from '../test/merge/queue-harness.js';
import { BenchFailure, checkFlags, cleanup, gitSync, initRepo, makeTempDir, type Benchmark } from './lib.js';

const CANDIDATES = 16;
const CULPRIT = 8;
const VERIFIERS = 4;

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

type Sides = Record<'batched' | 'parallel' | 'serial', Side>;

interface Mode {
  label: string;
  batchSize: number;
  verifiers: number;
}

const SERIAL: Mode = { label: 'serial', batchSize: 1, verifiers: 1 };
const BATCHED: Mode = { label: 'batched', batchSize: CANDIDATES, verifiers: 1 };
const PARALLEL: Mode = { label: 'parallel', batchSize: CANDIDATES, verifiers: VERIFIERS };

async function measure(mode: Mode, culprit: boolean): Promise<Side> {
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
  const harness = await queueHarness(repo, candidates, checks, mode.batchSize, { verifiers: mode.verifiers });
  try {
    const started = performance.now();
    const outcomes = await harness.mergeAll();
    const seconds = (performance.now() - started) / 1000;
    for (const [id, outcome] of outcomes) {
      const shouldLand = !(culprit && id === `unit-${CULPRIT}`);
      if ((outcome.status === 'merged') !== shouldLand) {
        throw new BenchFailure(
          `${mode.label}: ${id} ended ${outcome.status}, expected ${shouldLand ? 'merged' : 'rejected'}`,
        );
      }
    }
    const passed = new Set(
      harness.store.health
        .forRun(1)
        .filter((row) => row.passed === 1)
        .map((row) => row.commit_sha),
    );
    const unverified = reflog(repo, 'gaffer/green').filter((commit) => !passed.has(commit));
    if (unverified.length > 0)
      throw new BenchFailure(`${mode.label}: green held ${unverified.join(', ')}, never verified`);
    return { seconds, verifications: harness.queue.verificationCount };
  } finally {
    harness.close();
  }
}

async function run(argv: string[]): Promise<number> {
  checkFlags(argv, {});
  console.log(
    `merge-queue: ${CANDIDATES} candidates, a check that takes 1 s: batched (${CANDIDATES}), parallel (${CANDIDATES}, ${VERIFIERS} verifiers) vs serial (1)`,
  );
  try {
    const pairs: Sides[] = [];
    for (const culprit of [false, true]) {
      const sides: Sides = {
        batched: await measure(BATCHED, culprit),
        parallel: await measure(PARALLEL, culprit),
        serial: await measure(SERIAL, culprit),
      };
      pairs.push(sides);
      console.log(
        `  ${culprit ? `1 culprit (#${CULPRIT})` : 'clean'}: ${Object.entries(sides)
          .map(([label, side]) => `${label} ${side.seconds.toFixed(2)} s in ${side.verifications} check runs`)
          .join(', ')}; all outcomes verified`,
      );
    }
    console.log('  (check runs include the target snapshot each side takes once)');
    const [clean, culprit] = pairs as [Sides, Sides];
    const ratio = (pair: Sides, side: keyof Sides): string =>
      (pair[side].seconds / pair.serial.seconds).toFixed(2);
    console.log(
      `RESULT mq_clean_ratio=${ratio(clean, 'batched')} mq_culprit_ratio=${ratio(culprit, 'batched')} mq_parallel_clean_ratio=${ratio(clean, 'parallel')} mq_parallel_culprit_ratio=${ratio(culprit, 'parallel')} mq_verifications_clean=${clean.batched.verifications} mq_verifications_culprit=${culprit.batched.verifications}`,
    );
    return 0;
  } finally {
    await cleanup();
  }
}

export const mergeQueue: Benchmark = {
  name: 'merge-queue',
  summary: `${CANDIDATES} candidates vs a 1 s check, batched and parallel vs serial, clean and with one culprit`,
  flags: [],
  run,
};
