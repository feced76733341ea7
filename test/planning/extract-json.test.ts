import { describe, expect, it } from 'vitest';
import { extractJson } from '../../src/planning/extract-json.js';

describe('extractJson', () => {
  it('prefers the last ```json block over objects in prose', () => {
    const text = 'Use {x} here.\n```json\n{"a": 1}\n```\nand then\n```json\n{"a": 2}\n```\nDone.';
    expect(extractJson(text)).toEqual({ ok: true, value: { a: 2 } });
  });

  it('takes the last balanced object that parses, braces inside strings honoured', () => {
    const text = 'First {"a": 1} then {"b": "a } brace \\" quote"} and {not json}.';
    expect(extractJson(text)).toEqual({ ok: true, value: { b: 'a } brace " quote' } });
  });

  it('is not misled by a stray opening brace in prose before the answer', () => {
    const text = 'A set looks like { in math.\n{"units": []}';
    expect(extractJson(text)).toEqual({ ok: true, value: { units: [] } });
  });

  it('says prose is not JSON, quoting the start of it, secrets redacted', () => {
    const result = extractJson(
      `I could not decide. ANTHROPIC_API_KEY=sk-ant-abcdefghijklmnopqrstuvwx ${'x'.repeat(400)}`,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain('printed no JSON object');
    expect(result.error).toContain('I could not decide.');
    expect(result.error).not.toContain('sk-ant-abcdefghijklmnopqrstuvwx');
    expect(result.error.length).toBeLessThan(320);
  });

  it('says when nothing was printed', () => {
    expect(extractJson('  \n')).toEqual({
      ok: false,
      error: 'the agent printed nothing: it must print one JSON object',
    });
  });

  it('gives the syntax error with its line and column for a broken object or fence', () => {
    const broken = extractJson('Plan:\n{"units": [1, 2,]}');
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.error).toMatch(/not valid JSON: .*line 1, column 1[67]/);
    const fence = extractJson('```json\n{"a": 1\n```');
    expect(fence.ok).toBe(false);
    if (!fence.ok) expect(fence.error).toContain('the ```json block it printed is not valid JSON');
  });
});
