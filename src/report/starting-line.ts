/**
 * The first thing on screen, before anything heavy loads. Ink, React and the
 * controller's modules take from half a second to several seconds to load on a
 * busy machine (thousands of module files; the cost is the loader's, not
 * ours), so the CLI prints one plain line at once, with no dependency, and the
 * screen erases it as it mounts. Only when the live UI will draw: headless
 * output and pipes never see it.
 *
 * Keep this module free of imports: it is on the path to the first frame.
 */

/** Erases the line the cursor is on (carriage return, erase line). */
const ERASE_LINE = '\r\u001b[2K';

let shown = false;

/**
 * The Ink UI needs a terminal for its frames and one for its keys; --headless,
 * --json and CI say no, and so does a terminal that cannot move its cursor
 * (TERM=dumb, or no TERM at all: Emacs shells, some IDE consoles, cron).
 */
export function wantsLiveUi(
  flags: { headless: boolean; json: boolean },
  env: NodeJS.ProcessEnv = process.env,
  terminal: { stdout: boolean; stdin: boolean } = {
    stdout: process.stdout.isTTY === true,
    stdin: process.stdin.isTTY === true,
  },
): boolean {
  if (flags.headless || flags.json) return false;
  const ci = env.CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false') return false;
  const term = env.TERM;
  if (term === undefined || term === '' || term === 'dumb') return false;
  return terminal.stdout && terminal.stdin;
}

/** Prints `gaffer <what>: starting…` with no line break, for the screen to erase when it mounts. */
export function showStartingLine(what: string): void {
  if (shown) return;
  shown = true;
  process.stdout.write(`gaffer ${what}: starting (loading the screen; Ctrl-C quits)`);
}

/** Erases the starting line, if it is there: before the screen's first frame, or any other output. */
export function clearStartingLine(): void {
  if (!shown) return;
  shown = false;
  process.stdout.write(ERASE_LINE);
}
