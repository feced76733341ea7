/**
 * Polls `probe` until it returns a value. A probe that throws (a database a
 * supervisor is still creating, a file half written) is asked again; the last
 * error is reported if the deadline passes. The deadline only bounds a hang:
 * it is generous enough for a loaded machine, and below the tests' own timeout
 * so that a hang is reported as what was awaited.
 */
export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
