/**
 * The benchmark runner: `npm run bench -- <name> [flags]`. Each benchmark
 * prints human-readable lines and, last, one `RESULT <metric>=<value>` line.
 * Exit codes: 0 measured and verified, 1 the benchmark failed (its work did
 * not verify, a side crashed), 2 usage.
 */
import { BenchFailure, BenchUsageError, cleanup, type Benchmark } from './lib.js';

/** The registry: name → loader, so one benchmark's imports never slow another. */
const benchmarks: Record<string, () => Promise<Benchmark>> = {
  overhead: async () => (await import('./overhead.js')).overhead,
  'ui-flood': async () => (await import('./ui-flood.js')).uiFlood,
  'merge-queue': async () => (await import('./merge-queue.js')).mergeQueue,
  workspace: async () => (await import('./workspace.js')).workspace,
  'status-scale': async () => (await import('./status-scale.js')).statusScale,
  'plan-scale': async () => (await import('./plan-scale.js')).planScale,
  'mission-scale': async () => (await import('./mission-scale.js')).missionScale,
  remote: async () => (await import('./remote.js')).remote,
  'remote-steps': async () => (await import('./remote-steps.js')).remoteSteps,
};

async function usage(): Promise<string> {
  const lines = ['usage: npm run bench -- <benchmark> [flags]', '', 'benchmarks:'];
  for (const load of Object.values(benchmarks)) {
    const benchmark = await load();
    lines.push(`  ${benchmark.name.padEnd(14)} ${benchmark.summary}`);
    for (const flag of benchmark.flags) lines.push(`  ${''.padEnd(14)}   ${flag}`);
  }
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    return 0;
  }
  const load = name === undefined ? undefined : benchmarks[name];
  if (!load) {
    console.error(
      `${name === undefined ? 'no benchmark named' : `unknown benchmark "${name}"`}\n\n${await usage()}`,
    );
    return 2;
  }
  const benchmark = await load();
  try {
    return await benchmark.run(rest);
  } catch (error) {
    if (error instanceof BenchUsageError) {
      console.error(`bench ${benchmark.name}: ${error.message}\n\n${await usage()}`);
      return 2;
    }
    if (error instanceof BenchFailure) {
      console.error(`bench ${benchmark.name} FAILED: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

// Ctrl-C: the timed runs lead their own process groups, so end them, then remove the temp folders.
process.once('SIGINT', () => {
  process.stderr.write('bench: interrupted; stopping the runs and removing the temp folders\n');
  void cleanup().finally(() => process.exit(130));
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    await cleanup();
    console.error(
      `bench: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 1;
  },
);
