import { redact } from '../util/redact.js';
import { toTerminalText } from '../util/terminal-text.js';

/**
 * One line (or block of lines) to stdout: no control sequence gets through, and
 * secrets are redacted. Stripped first, then redacted, so that a key split by an
 * escape sequence (`sk-ant-<ESC>[0mapi03...`) is whole when it is looked for.
 * A module of its own so that `gaffer status` prints without loading the config's modules.
 */
export function printLine(line: string): void {
  process.stdout.write(`${redact(toTerminalText(line, { multiline: true }))}\n`);
}
