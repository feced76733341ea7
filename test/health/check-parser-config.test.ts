import { describe, expect, it } from 'vitest';
import { CheckSchema } from '../../src/config/schema.js';
import { PARSER_NAMES } from '../../src/health/parsers/types.js';

describe('the parser field of a check', () => {
  it('defaults to the exit-code parser', () => {
    expect(CheckSchema.parse({ name: 'test', command: ['npm', 'test'] }).parser).toBe('exit-code');
  });

  it.each(PARSER_NAMES)('accepts %s', (parser) => {
    expect(CheckSchema.parse({ name: 'test', command: ['npm', 'test'], parser }).parser).toBe(parser);
  });

  it('rejects a parser that does not exist, listing the ones that do', () => {
    const result = CheckSchema.safeParse({ name: 'lint', command: ['ruff', 'check'], parser: 'flake8' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['parser']);
    expect(result.error?.issues[0]?.message).toContain('ruff');
  });
});
