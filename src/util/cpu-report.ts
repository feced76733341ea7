import fs from 'node:fs';

/**
 * GAFFER_CPU_REPORT=<file>: when the process exits, write the CPU time the
 * supervisor itself used (user and system, ms; its children excluded) to that
 * file as JSON. The overhead benchmark reads it to tell supervision from the
 * agents' and git's own work; it costs nothing when the variable is unset.
 */
export function armCpuReport(env: NodeJS.ProcessEnv = process.env): void {
  const file = env.GAFFER_CPU_REPORT;
  if (!file) return;
  process.once('exit', () => {
    const { user, system } = process.cpuUsage();
    const report = { userMs: user / 1000, systemMs: system / 1000 };
    try {
      fs.writeFileSync(file, `${JSON.stringify(report)}\n`);
    } catch (error) {
      process.stderr.write(`gaffer: could not write the CPU report to ${file}: ${String(error)}\n`);
    }
  });
}
