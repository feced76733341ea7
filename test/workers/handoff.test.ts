import { describe, expect, it } from 'vitest';
import {
  extractHandoff,
  HandoffScanner,
  MAX_HANDOFF_CHARS,
  type HandoffResult,
} from '../../src/workers/handoff.js';

function expectValid(result: HandoffResult) {
  if (result.status !== 'valid') throw new Error(`expected a valid handoff, got ${JSON.stringify(result)}`);
  return result.handoff;
}

function expectMalformed(result: HandoffResult) {
  if (result.status !== 'malformed') throw new Error(`expected malformed, got ${JSON.stringify(result)}`);
  return result;
}

describe('handoff extraction', () => {
  it('reads a single-line handoff and fills defaults', () => {
    const handoff = expectValid(
      extractHandoff('working...\nGAFFER_RESULT {"status": "done", "summary": "added parser"}\nbye\n'),
    );
    expect(handoff).toEqual({
      status: 'done',
      summary: 'added parser',
      commits: [],
      discoveries: [],
      concerns: [],
      files_changed: [],
    });
  });

  it('reads a pretty-printed handoff spread over several lines', () => {
    const object = {
      status: 'partial',
      summary: 'half done',
      commits: ['abc123'],
      discoveries: ['flaky test in io', { title: 'split module', prompt: 'split x.ts' }],
      concerns: ['slow'],
      files_changed: ['src/a.ts'],
    };
    const text = `noise\n[agent] done\nGAFFER_RESULT ${JSON.stringify(object, null, 2)}\ntrailing noise`;
    expect(expectValid(extractHandoff(text))).toEqual(object);
  });

  it('accepts the object starting on the line after the marker, and text before the brace', () => {
    expect(expectValid(extractHandoff('GAFFER_RESULT\n\n{"status":"failed","summary":"x"}')).status).toBe(
      'failed',
    );
    expect(expectValid(extractHandoff('>> GAFFER_RESULT: {"status":"blocked","summary":"y"}')).status).toBe(
      'blocked',
    );
  });

  it('ignores braces, quotes and markers inside JSON strings', () => {
    const summary = 'fixed the } and { in "tpl" \\ also GAFFER_RESULT {';
    const text = `GAFFER_RESULT {\n  "status": "done",\n  "summary": ${JSON.stringify(summary)}\n}`;
    expect(expectValid(extractHandoff(text)).summary).toBe(summary);
  });

  it('lets the last marker win', () => {
    const text = [
      'GAFFER_RESULT {"status": "failed", "summary": "first try"}',
      'oops, let me correct that',
      'GAFFER_RESULT {"status": "done", "summary": "second try"}',
    ].join('\n');
    expect(expectValid(extractHandoff(text)).summary).toBe('second try');

    // Two on one line: the later one wins too.
    const sameLine =
      'GAFFER_RESULT {"status":"failed","summary":"a"} GAFFER_RESULT {"status":"done","summary":"b"}';
    expect(expectValid(extractHandoff(sameLine)).summary).toBe('b');
  });

  it('a later broken result replaces an earlier valid one', () => {
    const text =
      'GAFFER_RESULT {"status":"done","summary":"a"}\nGAFFER_RESULT {"status": "done", "summary": ';
    expectMalformed(extractHandoff(text));
  });

  it('reports missing when there is no marker', () => {
    expect(extractHandoff('just some output\n{"status":"done","summary":"not marked"}')).toEqual({
      status: 'missing',
    });
  });

  it('reports an object that never closes', () => {
    const result = expectMalformed(extractHandoff('GAFFER_RESULT {"status": "done", "summary": \nexit'));
    expect(result.error).toMatch(/never closed/);
    expect(result.raw).toContain('"status": "done"');
  });

  it('reports a marker with prose and no object', () => {
    const result = expectMalformed(extractHandoff('I will print GAFFER_RESULT when done\nok then'));
    expect(result.error).toMatch(/no JSON object/);
  });

  it('reports invalid JSON', () => {
    const result = expectMalformed(extractHandoff("GAFFER_RESULT {'status': 'done'}"));
    expect(result.error).toMatch(/invalid JSON/);
  });

  it('reports bad fields with their paths', () => {
    const result = expectMalformed(
      extractHandoff('GAFFER_RESULT {"status": "finished", "summary": 3, "commits": ["a", 7]}'),
    );
    expect(result.error).toMatch(/status/);
    expect(result.error).toMatch(/summary/);
    expect(result.error).toMatch(/commits\.1/);
    expect(result.raw).toContain('"finished"');
  });

  it('keeps memory bounded: an endless object is abandoned past the cap', () => {
    const scanner = new HandoffScanner();
    scanner.feed('GAFFER_RESULT {"status": "done", "summary": "x", "concerns": [');
    const line = `"${'y'.repeat(1000)}",`;
    for (let i = 0; i < (MAX_HANDOFF_CHARS / line.length) * 3; i++) scanner.feed(line);
    const result = expectMalformed(scanner.result());
    expect(result.error).toMatch(/larger than/);
    expect(result.raw.length).toBeLessThanOrEqual(1024);

    // Scanning continues: a later, proper handoff is still found.
    scanner.feed('GAFFER_RESULT {"status": "partial", "summary": "retry"}');
    expect(expectValid(scanner.result()).status).toBe('partial');
  });

  it('streams: state carries across feed calls exactly as across lines', () => {
    const scanner = new HandoffScanner();
    for (const line of ['GAFFER_RESULT {', '"status": "done",', '"summary": "}{"', '}']) scanner.feed(line);
    expect(expectValid(scanner.result()).summary).toBe('}{');
  });
});
