import { describe, expect, it } from 'vitest';
import { closestMatch, describeJsonSyntaxError, formatPath } from '../../src/config/format-issues.js';

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return describeJsonSyntaxError(error, text);
  }
  throw new Error('expected invalid JSON');
}

describe('formatPath', () => {
  it('joins keys and indexes with dots and brackets odd keys', () => {
    expect(formatPath(['checks', 0, 'command'])).toBe('checks.0.command');
    expect(formatPath(['agent', 'env', 'A.B'])).toBe('agent.env["A.B"]');
    expect(formatPath([])).toBe('(top level)');
  });
});

describe('closestMatch', () => {
  it('suggests a near spelling and nothing for a distant one', () => {
    expect(closestMatch('concurency', ['concurrency', 'checks'])).toBe('concurrency');
    expect(closestMatch('zzz', ['concurrency', 'checks'])).toBeUndefined();
  });
});

describe('describeJsonSyntaxError', () => {
  it('points at the line and column of a comment', () => {
    const message = jsonError('{\n  "a": 1 // note\n}');
    expect(message).toContain('line 2, column 10');
    expect(message).toContain('2 |   "a": 1 // note');
  });

  it('places a truncated file at its end', () => {
    expect(jsonError('{\n  "a": [1, 2')).toContain('line 2, column 13');
  });

  it('finds the position V8 leaves out and drops its excerpt', () => {
    const message = jsonError('{"a": [1, 2,]}');
    expect(message).toContain("line 1, column 13: Unexpected token ']' (JSON allows");
    expect(message).not.toContain('is not valid JSON');
  });

  it('reports text after the value without repeating the position', () => {
    expect(jsonError('{"a":1}}')).toContain(
      'line 1, column 8: Unexpected non-whitespace character after JSON (',
    );
  });
});
