import { SHARE_ENV, Worker } from 'node:worker_threads';

/**
 * Starts one of gaffer's worker threads (the git runner, the process
 * starter): plain CommonJS evaluated from a string, so it runs the same from
 * the TypeScript sources (tests) and from dist/. It does not hold the process
 * open until its owner refs it, and `onStopped` hears why it failed or exited
 * (possibly twice: an error, then the exit), so the owner can fail what was
 * pending and start another.
 */
export function startEvalWorker(
  source: string,
  options: { shareEnv?: boolean; onStopped: (reason: string) => void },
): Worker {
  const worker = new Worker(source, {
    eval: true,
    ...(options.shareEnv ? { env: SHARE_ENV } : {}),
    execArgv: workerExecArgv(),
    stdout: false,
    stderr: false,
  });
  worker.on('error', (error) => options.onStopped(error.message));
  worker.on('exit', (code) => options.onStopped(`exit code ${code}`));
  worker.unref();
  return worker;
}

/**
 * Node's flags for a worker thread. The sources are CommonJS, so a supervisor
 * started with `--input-type=module` must not pass that flag on ("require is
 * not defined" in the worker).
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
