/**
 * Text that came from agents or checks is arbitrary bytes, and a terminal
 * obeys the control sequences in it: it clears the screen (ESC[2J), retitles
 * the window (OSC 0), writes hyperlinks, the clipboard (OSC 52) or images
 * (DCS, APC), moves the cursor, and a bare carriage return or backspace
 * overwrites what gaffer printed before it ("FAILED\rPASSED"). Everything that
 * reaches a terminal goes through toTerminalText first; the per-attempt log
 * files keep the raw bytes.
 *
 * Node's util.stripVTControlCharacters is not enough on its own: it leaves a
 * bare ESC, BEL, BS, CR, NUL and the other C0 controls, the ESC that opens a
 * DCS or APC string together with its payload, and the payload of an
 * unterminated OSC.
 */

export interface TerminalTextOptions {
  /**
   * Keep line breaks, as '\n' (a lone '\r' becomes one too, so it cannot
   * overwrite the line before it). Without it every line break becomes a space.
   */
  multiline?: boolean;
}

/**
 * Control strings: OSC, DCS, SOS, PM and APC, opened by ESC ] P X ^ _ or their
 * 8-bit forms (U+009D, U+0090, U+0098, U+009E, U+009F). The payload runs to ST
 * (ESC \ or U+009C) or BEL; an unterminated one is cut at the end of the line,
 * so one bad line never swallows the next.
 */
const CONTROL_STRING = String.raw`(?:\u001b[\]PX^_]|[\u0090\u0098\u009d-\u009f])[^\u0007\u001b\u009c\n]*(?:\u0007|\u001b\\|\u009c)?`;
/** CSI (ESC [ or U+009B): parameters, intermediates, final byte (absent when the text ends first). */
const CSI = String.raw`(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]?`;
/** Any other escape sequence (ESC 7, ESC c, ESC ( 0, ESC # 8, ...), or a bare ESC. */
const OTHER_ESCAPE = String.raw`\u001b[ -/]*[0-~]?`;
const SEQUENCES = new RegExp(`${CONTROL_STRING}|${CSI}|${OTHER_ESCAPE}`, 'g');

const LINE_BREAK = /\r\n|\r|\n/g;
/**
 * C0 controls but tab and newline (newlines are handled above), DEL, C1 controls,
 * and the bidirectional embeddings, overrides and isolates, which reorder what
 * the operator sees on a line without a single control byte.
 */
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** Anything either pass would change: most lines have none and are returned as they are. */
const NEEDS_WORK = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** `text` without a single control sequence or control character; tabs stay. */
export function toTerminalText(text: string, options: TerminalTextOptions = {}): string {
  if (!NEEDS_WORK.test(text)) return text;
  return text
    .replace(SEQUENCES, '')
    .replace(LINE_BREAK, options.multiline ? '\n' : ' ')
    .replace(CONTROLS, '');
}

/**
 * A copy of a JSON-like value (records, arrays, strings, numbers...) in which
 * every string, keys included, went through toTerminalText (line breaks
 * kept): for `--json` output, whose consumers print the fields they read.
 */
export function terminalSafe<T>(value: T): T {
  return clean(value) as T;
}

const MULTILINE: TerminalTextOptions = { multiline: true };

/**
 * Loops rather than Object.fromEntries(Object.entries(...).map(...)): a status
 * report of 30,000 attempts is copied here, and the entry arrays were most of
 * its garbage.
 */
function clean(value: unknown): unknown {
  if (typeof value === 'string') return toTerminalText(value, MULTILINE);
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index += 1) copy[index] = clean(value[index]);
    return copy;
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>;
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(record)) {
      const field = clean(record[key]);
      const safeKey = toTerminalText(key);
      // A key named "__proto__" stays a field, as with Object.fromEntries.
      if (safeKey === '__proto__')
        Object.defineProperty(copy, safeKey, {
          value: field,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else copy[safeKey] = field;
    }
    return copy;
  }
  return value;
}
