import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import type { EventName, GafferEvent, GafferEvents } from '../../src/events/types.js';
import { attachHeadlessReporter, formatEvent } from '../../src/report/headless.js';
import { terminalSafe } from '../../src/util/terminal-text.js';

const AT = '2024-05-06T07:08:09.123Z';
const SHA = '0123456789abcdef0123456789abcdef01234567';

/** One sample per event type: adding an event type without a sample here fails typecheck. */
const samples = {
  'run:started': { runId: 1, planName: 'demo', repo: '/tmp/repo', resumed: false, units: 3, maxRounds: 2 },
  'run:ended': { runId: 1, status: 'completed', reason: 'every unit settled' },
  'round:started': { runId: 1, round: 1 },
  'round:ended': { runId: 1, round: 1, done: 2, failed: 1, merged: 2, rejected: 1 },
  'unit:state': { runId: 1, unitId: 'parser', from: 'pending', to: 'running', reason: 'attempt 1' },
  'attempt:started': {
    runId: 1,
    unitId: 'parser',
    attempt: 1,
    round: 1,
    branch: 'gaffer/run-1/parser-1',
    baseCommit: SHA,
    logPath: '/tmp/repo/.gaffer/logs/parser-1.log',
  },
  'attempt:ended': {
    runId: 1,
    unitId: 'parser',
    attempt: 1,
    outcome: 'handed-off',
    exitCode: 0,
    durationMs: 1234,
    commits: 1,
    handoff: 'valid',
    reason: '1 commit',
    usage: { inputTokens: 12_000, outputTokens: 345, cachedTokens: 0, costUsd: 0.4213 },
  },
  'attempt:usage': {
    runId: 1,
    unitId: 'parser',
    attempt: 1,
    usage: { inputTokens: 900, outputTokens: 40, cachedTokens: 0, costUsd: null },
  },
  'budget:reached': {
    runId: 1,
    scope: 'run',
    unit: 'usd',
    limit: 1,
    spent: 1.02,
    action: 'finish',
    message: "the run's budget of $1.00 is spent ($1.02; budget.perRunUsd): no new attempt starts",
  },
  'worker:output': { runId: 1, unitId: 'parser', attempt: 1, line: 'writing src/parser.ts' },
  'merge:queued': { runId: 1, mergeId: 4, unitId: 'parser', attempt: 1, branch: 'gaffer/run-1/parser-1' },
  'merge:rebasing': { runId: 1, mergeId: 4, unitId: 'parser', onto: SHA },
  'merge:verifying': { runId: 1, mergeId: 4, unitId: 'parser', candidate: SHA },
  'merge:merged': { runId: 1, mergeId: 4, unitId: 'parser', commit: SHA },
  'merge:rejected': { runId: 1, mergeId: 4, unitId: 'parser', class: 'red', detail: 'test failed' },
  'merge:flaky': { runId: 1, mergeId: 4, unitId: 'parser', commit: SHA, checks: ['test'] },
  'branch:promoted': { runId: 1, branch: 'gaffer/green', role: 'green', from: null, to: SHA },
  'health:snapshot': {
    runId: 1,
    round: 1,
    commit: SHA,
    label: 'round',
    passed: false,
    checks: [
      { name: 'test', passed: false, exitCode: 1, outcome: 'exited' },
      { name: 'lint', passed: true, exitCode: 0, outcome: 'exited' },
    ],
  },
  'branch:tampered': {
    runId: 1,
    branch: 'gaffer/green',
    role: 'green',
    kind: 'moved',
    expected: 'a'.repeat(40),
    found: 'b'.repeat(40),
    savedAs: 'refs/gaffer/foreign/green-1',
    restored: true,
    message: 'gaffer/green was moved by someone other than gaffer',
  },
  'repo:tampered': { runId: 1, changes: ['config core.fsmonitor added'], message: 'the repository changed' },
  'branch:held': { runId: 1, branch: 'gaffer/green', commit: 'c'.repeat(40), reason: 'lint fails' },
  'supervisor:warning': { runId: null, message: 'gaffer/working fails its own checks' },
  'supervisor:paused': { runId: 1, paused: true },
  'supervisor:command': {
    runId: 1,
    command: 'kill',
    unitId: 'parser',
    ok: true,
    message: 'attempt 1 is ending',
  },
  'unit:added': {
    runId: 1,
    unitId: 'fix-math-adds',
    title: 'Fix failing test math > adds',
    dependsOn: ['parser'],
    origin: 'discovery',
    discoveredFrom: 'check "tests" on cccccccccc (round 1)',
  },
  'plan:edited': {
    runId: 1,
    path: '/tmp/repo/plan.json',
    added: ['docs'],
    updated: [{ id: 'lexer', fields: ['prompt'] }],
    removed: ['old'],
    refused: ['unit parser is running: its new prompt is ignored'],
    objectiveChanged: false,
  },
  'plan:edit-rejected': { runId: 1, path: '/tmp/repo/plan.json', error: 'dependency cycle: a -> b -> a' },
  'discovery:proposed': {
    runId: 1,
    proposalId: 3,
    unitId: 'fix-math-adds',
    title: 'Fix failing test math > adds',
    source: 'health',
    discoveredFrom: 'check "tests" on cccccccccc (round 1)',
  },
  'discovery:decided': {
    runId: 1,
    proposalId: 3,
    unitId: 'fix-math-adds',
    decision: 'accepted',
    by: 'operator',
    reason: 'joined the plan',
  },
  'discovery:ran': { runId: 1, trigger: 'the d key', proposed: 1, duplicates: 2, note: '' },
  'unit:overlap': {
    runId: 1,
    unitId: 'lexer',
    waitsFor: 'parser',
    files: ['src/parse.ts'],
    reason: 'both are expected to touch the same file',
  },
  'host:state': { runId: 1, host: 'build-1', state: 'down', reason: 'the connection was lost' },
} as const satisfies { [K in EventName]: GafferEvents[K] };

function eventOf<K extends EventName>(type: K, payload: GafferEvents[K]): GafferEvent {
  return { type, at: AT, payload } as GafferEvent;
}

const allEvents: GafferEvent[] = (Object.keys(samples) as EventName[]).map((type) =>
  eventOf(type, samples[type]),
);

/** Free text that real runs fill from agent summaries, git stderr and error messages. */
const MULTILINE = 'first line\nsecond line\r\nthird line';
const multilineEvents: GafferEvent[] = [
  eventOf('run:ended', { ...samples['run:ended'], status: 'failed', reason: `internal error: ${MULTILINE}` }),
  eventOf('unit:state', { ...samples['unit:state'], reason: `the agent reported failed: ${MULTILINE}` }),
  eventOf('attempt:ended', {
    ...samples['attempt:ended'],
    reason: `the agent could not be started: ${MULTILINE}`,
  }),
  eventOf('merge:rejected', { ...samples['merge:rejected'], detail: MULTILINE }),
  eventOf('supervisor:warning', { runId: 1, message: `merge of parser paused: ${MULTILINE}` }),
];

describe('formatEvent', () => {
  it.each(allEvents.map((event) => [event.type, event] as const))(
    '%s gives one line starting with HH:MM:SS.mmm',
    (_type, event) => {
      const line = formatEvent(event);
      expect(line).not.toMatch(/[\r\n]/);
      expect(line).toMatch(/^07:08:09\.123 \S/);
      expect(line.length).toBeGreaterThan('07:08:09.123 '.length + 8);
    },
  );

  it.each(multilineEvents.map((event) => [event.type, event] as const))(
    '%s with multi-line text still gives one line, keeping the first line',
    (_type, event) => {
      const line = formatEvent(event);
      expect(line).not.toMatch(/[\r\n]/);
      expect(line).toMatch(/: first line \(\+2 lines\)$/);
    },
  );

  it('shows what happened in the columns', () => {
    expect(formatEvent(eventOf('unit:state', samples['unit:state']))).toBe(
      `07:08:09.123 unit    ${'parser'.padEnd(20)} pending -> running: attempt 1`,
    );
    expect(formatEvent(eventOf('merge:merged', samples['merge:merged']))).toContain('merged at 0123456789');
    expect(formatEvent(eventOf('branch:promoted', samples['branch:promoted']))).toContain(
      'green none -> 0123456789',
    );
    expect(formatEvent(eventOf('health:snapshot', samples['health:snapshot']))).toContain(
      'round (round 1): failing [test FAIL, lint pass]',
    );
    expect(formatEvent(eventOf('attempt:ended', samples['attempt:ended']))).toContain(
      'handed-off after 1.2 s, $0.42 12.3k tok: 1 commit',
    );
    expect(formatEvent(eventOf('attempt:ended', { ...samples['attempt:ended'], usage: null }))).toContain(
      'handed-off after 1.2 s: 1 commit',
    );
    // A tool that reports tokens but no cost: tokens only, never a made-up $0.00.
    expect(formatEvent(eventOf('attempt:usage', samples['attempt:usage']))).toContain('parser#1 ');
    expect(formatEvent(eventOf('attempt:usage', samples['attempt:usage']))).toMatch(/ 940 tok$/);
    expect(formatEvent(eventOf('budget:reached', samples['budget:reached']))).toContain(
      `BUDGET  ${'run'.padEnd(20)} the run's budget of $1.00 is spent`,
    );
    expect(
      formatEvent(eventOf('merge:rejected', { ...samples['merge:rejected'], detail: 'a\nb\nc' })),
    ).toContain('rejected (red): a (+2 lines)');
  });
});

describe('a plan that grows, in headless lines', () => {
  const text = (type: EventName, payload?: object): string =>
    formatEvent(eventOf(type, { ...samples[type], ...payload }));

  it('says how a unit joined, after what, and where it came from', () => {
    expect(text('unit:added')).toBe(
      `07:08:09.123 plan    ${'fix-math-adds'.padEnd(20)} added by discovery: Fix failing test math > adds, after parser (from check "tests" on cccccccccc (round 1))`,
    );
    expect(text('unit:added', { origin: 'edit', discoveredFrom: null, dependsOn: [] })).toMatch(
      /added by an edit of the plan file: Fix failing test math > adds$/,
    );
  });

  it('lists what an edit changed and what it did not take', () => {
    expect(text('plan:edited')).toContain(
      'edited: added docs; updated lexer (prompt); removed old; not taken: unit parser is running: its new prompt is ignored',
    );
    expect(
      text('plan:edited', { added: [], updated: [], removed: [], refused: [], objectiveChanged: false }),
    ).toMatch(/edited: nothing changed$/);
  });

  it('a rejected edit: the running plan stays, the first line, and where every line can be read', () => {
    expect(text('plan:edit-rejected')).toMatch(
      /plan +\/tmp\/repo\/plan\.json +edit ignored, the running plan stays as it was: dependency cycle: a -> b -> a$/,
    );
    const long = text('plan:edit-rejected', {
      error: 'the plan is invalid:\n  units[1].id: bad id\n\n  dependency cycle: a -> b -> a',
    });
    expect(long).not.toMatch(/[\r\n]/);
    expect(long).toContain(
      'the running plan stays as it was: the plan is invalid: (+2 lines: `gaffer doctor --plan /tmp/repo/plan.json` lists every problem)',
    );
  });

  it('proposals, decisions and discovery passes carry their ids and sources', () => {
    expect(text('discovery:proposed')).toContain(
      'proposed #3: Fix failing test math > adds (from check "tests" on cccccccccc (round 1))',
    );
    expect(text('discovery:decided')).toContain('#3 accepted by the operator: joined the plan');
    expect(
      text('discovery:decided', {
        by: 'auto',
        decision: 'duplicate',
        reason: 'already in the plan as fix-1',
      }),
    ).toContain('#3 duplicate: already in the plan as fix-1');
    expect(text('discovery:ran')).toMatch(/found   -\s+the d key: 1 proposed, 2 duplicate\(s\)$/);
    expect(text('unit:overlap')).toContain(
      'waits for parser: both are expected to touch the same file (src/parse.ts)',
    );
  });
});

describe('attachHeadlessReporter', () => {
  it('prints one parseable JSON object per event with its type, skipping worker output and running usage', () => {
    const bus = new EventBus();
    const lines: string[] = [];
    attachHeadlessReporter(bus, { json: true, verbose: false, write: (line) => lines.push(line) });
    for (const event of [...allEvents, ...multilineEvents]) bus.publish(event);

    const expected = [...allEvents, ...multilineEvents].filter(
      (event) => event.type !== 'worker:output' && event.type !== 'attempt:usage',
    );
    expect(lines).toHaveLength(expected.length);
    lines.forEach((line, index) => {
      const event = expected[index] as GafferEvent;
      expect(line).not.toContain('\n');
      const parsed = JSON.parse(line) as Record<string, unknown>;
      // String fields are terminal text: control characters go, a CRLF becomes LF.
      expect(parsed).toEqual(terminalSafe({ at: AT, type: event.type, ...event.payload }));
    });
  });

  it.each([
    ['worker output', eventOf('worker:output', samples['worker:output']), 'writing src/parser.ts'],
    ['running usage', eventOf('attempt:usage', samples['attempt:usage']), 'parser'],
  ])('prints %s only when verbose', (_name, output, shown) => {
    for (const json of [false, true]) {
      const quiet: string[] = [];
      const loud: string[] = [];
      const bus = new EventBus();
      attachHeadlessReporter(bus, { json, verbose: false, write: (line) => quiet.push(line) });
      attachHeadlessReporter(bus, { json, verbose: true, write: (line) => loud.push(line) });
      bus.publish(output);
      expect(quiet).toEqual([]);
      expect(loud).toHaveLength(1);
      expect(loud[0]).toContain(shown);
    }
  });

  it('prints formatEvent lines in text mode and stops after unsubscribing', () => {
    const bus = new EventBus();
    const lines: string[] = [];
    const detach = attachHeadlessReporter(bus, {
      json: false,
      verbose: false,
      write: (line) => lines.push(line),
    });
    const first = eventOf('round:started', samples['round:started']);
    bus.publish(first);
    detach();
    bus.publish(eventOf('round:ended', samples['round:ended']));
    expect(lines).toEqual([formatEvent(first)]);
  });
});
