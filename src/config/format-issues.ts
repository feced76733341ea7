import type { z } from 'zod';

/**
 * Turns zod failures and JSON syntax errors into messages a user can act on.
 * Shared by the config and plan loaders so every file format fails the same
 * way: one message, every bad field on its own line, named by its dotted path.
 */

type RawIssue = z.core.$ZodRawIssue;

/**
 * A per-parse error map: zod consults it after any message a schema sets
 * itself, so schema-specific hints (the checks argv hint) still win.
 */
export const readableIssueMessages: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      // z.int() reports a non-number as expecting "number"; its def still says int.
      const def: unknown = issue.inst?._zod.def;
      const isInt =
        def !== null && typeof def === 'object' && 'format' in def && /int/.test(String(def.format));
      const expected = describeExpected(isInt ? 'int' : issue.expected);
      if (issue.input === undefined) return `required: expected ${expected}`;
      return `expected ${expected}, got ${describeValue(issue.input)}`;
    }
    case 'too_small':
      return describeBound(issue.origin, 'at least', issue.minimum, issue.inclusive);
    case 'too_big':
      return describeBound(issue.origin, 'at most', issue.maximum, issue.inclusive);
    case 'invalid_value':
      return `expected ${issue.values.map((value) => JSON.stringify(value)).join(' | ')}, got ${describeValue(issue.input)}`;
    case 'invalid_union':
      return describeUnionFailure(issue);
    case 'unrecognized_keys':
      return unknownKeyMessages(issue).join('\n');
    // zod's own wording is clear enough for these, and custom issues carry their message.
    case 'invalid_format':
    case 'not_multiple_of':
    case 'invalid_key':
    case 'invalid_element':
    case 'custom':
      return undefined;
  }
};

export function formatZodIssues(error: z.ZodError, source: string): string {
  const lines: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      // readableIssueMessages writes one line per key, in key order; without
      // it (a caller's own error map) fall back to a plain "unknown key".
      const perKey = issue.message.split('\n');
      const usePerKey =
        perKey.length === issue.keys.length && perKey.every((line) => line.startsWith('unknown'));
      issue.keys.forEach((key, index) => {
        lines.push(`${formatPath([...issue.path, key])}: ${usePerKey ? perKey[index] : 'unknown key'}`);
      });
    } else {
      lines.push(`${formatPath(issue.path)}: ${issue.message}`);
    }
  }
  const count = lines.length === 1 ? '1 problem' : `${lines.length} problems`;
  return `${source} is invalid (${count}):\n${lines.map((line) => `  - ${line}`).join('\n')}`;
}

/** `checks.0.command`; keys that would read ambiguously are bracketed. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += out === '' ? String(segment) : `.${segment}`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$-]*$/.test(segment)) {
      out += out === '' ? segment : `.${segment}`;
    } else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/**
 * JSON.parse only reports a character offset (newer Node adds line/column);
 * users fix files by line, so compute it and show the offending line.
 */
export function describeJsonSyntaxError(error: unknown, text: string): string {
  const raw = error instanceof Error ? error.message : String(error);
  // Drop V8's own position and text excerpt: the excerpt is replaced by the line we show.
  const reason = raw
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/( in JSON)? at position \d+/, '')
    .replace(/^(Unexpected token '[\s\S]{1,2}'),[\s\S]*$/, '$1');
  if (text.trim() === '') return 'the file is empty; it must hold a JSON object';
  const positionMatch = /at position (\d+)/.exec(raw);
  const position = positionMatch ? Number(positionMatch[1]) : findJsonErrorOffset(text);
  const hint = 'JSON allows no comments, trailing commas, single quotes or unquoted keys';
  if (position === undefined) return `not valid JSON: ${reason} (${hint})`;
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  const lineText = (text.split('\n')[line - 1] ?? '').replace(/\r$/, '');
  const gutter = `${line} | `;
  const caret = `${' '.repeat(gutter.length - 2)}| ${' '.repeat(Math.max(0, column - 1))}^`;
  return `not valid JSON at line ${line}, column ${column}: ${reason} (${hint})\n    ${gutter}${lineText}\n    ${caret}`;
}

/**
 * V8 gives no offset for some errors (an unexpected bare word or quote, a
 * truncated file), so walk the text the way JSON.parse does and stop where it
 * would. Undefined if this scanner finds nothing wrong.
 */
function findJsonErrorOffset(text: string): number | undefined {
  let at = 0;
  const skipSpace = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text.charAt(at))) at += 1;
  };
  const expectChar = (character: string): boolean => {
    skipSpace();
    if (text.charAt(at) !== character) return false;
    at += 1;
    return true;
  };
  const scanString = (): boolean => {
    if (!expectChar('"')) return false;
    for (;;) {
      const character = text.charAt(at);
      if (character === '' || character < ' ') return false;
      at += character === '\\' ? 2 : 1;
      if (character === '"') return true;
    }
  };
  const scanSequence = (close: string, scanItem: () => boolean): boolean => {
    at += 1;
    skipSpace();
    if (text.charAt(at) === close) return expectChar(close);
    do if (!scanItem()) return false;
    while (expectChar(','));
    return expectChar(close);
  };
  const scanValue = (): boolean => {
    skipSpace();
    const character = text.charAt(at);
    if (character === '{') return scanSequence('}', () => scanString() && expectChar(':') && scanValue());
    if (character === '[') return scanSequence(']', scanValue);
    if (character === '"') return scanString();
    const literal = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
    literal.lastIndex = at;
    const match = literal.exec(text);
    if (match === null) return false;
    at += match[0].length;
    return true;
  };
  try {
    if (!scanValue()) return Math.min(at, text.length);
    skipSpace();
    return at < text.length ? at : undefined;
  } catch {
    return undefined; // nesting deep enough to overflow the stack: report without a position
  }
}

/** The candidate a typo most likely meant, or undefined when none is close. */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  const tolerance = Math.max(1, Math.floor(word.length / 3));
  return bestDistance <= tolerance ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function unknownKeyMessages(issue: Extract<RawIssue, { code: 'unrecognized_keys' }>): string[] {
  const def: unknown = issue.inst?._zod.def;
  const shape = def !== null && typeof def === 'object' && 'shape' in def ? def.shape : undefined;
  const known = shape !== null && typeof shape === 'object' ? Object.keys(shape) : [];
  return issue.keys.map((key) => {
    const suggestion = closestMatch(key, known);
    if (suggestion !== undefined) return `unknown key (did you mean "${suggestion}"?)`;
    return known.length > 0 ? `unknown key (allowed here: ${known.join(', ')})` : 'unknown key';
  });
}

function describeUnionFailure(issue: Extract<RawIssue, { code: 'invalid_union' }>): string | undefined {
  if (!('discriminator' in issue) || typeof issue.discriminator !== 'string') return undefined;
  const options = 'options' in issue && Array.isArray(issue.options) ? issue.options : [];
  const input: unknown = issue.input;
  const given =
    input !== null && typeof input === 'object'
      ? (input as Record<string, unknown>)[issue.discriminator]
      : input;
  const expected = options.map((option) => JSON.stringify(option)).join(' | ');
  return given === undefined
    ? `required: expected one of ${expected}`
    : `expected one of ${expected}, got ${describeValue(given)}`;
}

function describeBound(
  origin: string,
  word: 'at least' | 'at most',
  limit: number | bigint,
  inclusive?: boolean,
): string {
  const exclusive = inclusive === false;
  switch (origin) {
    case 'string':
      if (word === 'at least' && Number(limit) === 1) return 'must not be empty';
      return `must be ${word} ${limit} characters long`;
    case 'array':
    case 'set':
      if (word === 'at least' && Number(limit) === 1) return 'must have at least one item';
      return `must have ${word} ${limit} items`;
    default: {
      const operator = word === 'at least' ? (exclusive ? '>' : '>=') : exclusive ? '<' : '<=';
      return `must be ${operator} ${limit}`;
    }
  }
}

function describeExpected(expected: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    int: 'an integer',
    boolean: 'true or false',
    array: 'an array',
    object: 'an object',
    record: 'an object',
  };
  return names[expected] ?? expected;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  }
  if (typeof value === 'number' || typeof value === 'bigint') return `the number ${value}`;
  if (typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}
