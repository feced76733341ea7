/**
 * Node's flags for gaffer's worker threads. Their sources are CommonJS
 * evaluated from strings, so a supervisor started with `--input-type=module`
 * must not pass that flag on ("require is not defined" in the worker).
 */
export function workerExecArgv(flags: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < flags.length; i += 1) {
    const flag = flags[i] ?? '';
    if (flag === '--input-type') i += 1;
    else if (!flag.startsWith('--input-type=')) kept.push(flag);
  }
  return kept;
}
