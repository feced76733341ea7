import { describe, expect, it } from 'vitest';
import { MissionState } from '../../components/view-model/mission-state.js';
import { ViewModelStore } from '../../components/view-model/store.js';
import { EventBus } from '../../src/events/bus.js';
import type { EventName, GafferEvent, GafferEvents } from '../../src/events/types.js';
import { attachHeadlessReporter, formatEvent } from '../../src/report/headless.js';
import { formatStatus, type StatusReport } from '../../src/status.js';

/**
 * Each place where text from agents and checks meets a terminal: headless
 * lines (plain and JSON), `gaffer status` and the UI's view model. None may
 * pass a control byte on, whatever the event carries.
 */

const ESC = '\u001b';
const BEL = '\u0007';
const HOSTILE = `${ESC}]0;pwned${BEL}${ESC}[2J${ESC}[31mred${ESC}[0m\b\u009b1m ok\rPASSED${ESC}Pq~${ESC}\\`;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const AT = '2026-01-01T10:00:00.000Z';

/** Every string in a plain value. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}

function eventOf<K extends EventName>(type: K, payload: GafferEvents[K]): GafferEvent {
  return { type, at: AT, payload } as GafferEvent;
}

const hostileEvents: GafferEvent[] = [
  eventOf('run:started', { runId: 1, planName: HOSTILE, repo: '/r', resumed: false, units: 1, maxRounds: 1 }),
  eventOf('unit:state', { runId: 1, unitId: 'u', from: 'running', to: 'failed', reason: HOSTILE }),
  eventOf('attempt:started', {
    runId: 1,
    unitId: 'u',
    attempt: 1,
    round: 1,
    branch: 'gaffer/run-1/u-1',
    baseCommit: 'a'.repeat(40),
    logPath: '/r/.gaffer/u-1.log',
  }),
  eventOf('worker:output', { runId: 1, unitId: 'u', attempt: 1, line: HOSTILE }),
  eventOf('attempt:ended', {
    runId: 1,
    unitId: 'u',
    attempt: 1,
    outcome: 'failed',
    exitCode: 1,
    durationMs: 10,
    commits: 0,
    handoff: 'valid',
    reason: HOSTILE,
    usage: null,
  }),
  eventOf('merge:rejected', {
    runId: 1,
    mergeId: 1,
    unitId: 'u',
    class: 'red',
    detail: `${HOSTILE}\n${HOSTILE}`,
  }),
  eventOf('supervisor:warning', { runId: 1, message: HOSTILE }),
  eventOf('supervisor:command', { runId: 1, command: 'retry', unitId: 'u', ok: false, message: HOSTILE }),
  eventOf('run:ended', { runId: 1, status: 'failed', reason: HOSTILE }),
];

describe('headless output', () => {
  it('plain: every event is one line of text', () => {
    for (const event of hostileEvents) {
      const line = formatEvent(event);
      expect(line, event.type).not.toMatch(CONTROL);
      expect(line, event.type).not.toContain('\n');
    }
    const output = formatEvent(hostileEvents[3] as GafferEvent);
    // The text stays readable; what followed the carriage return is a line of its own, not an overwrite.
    expect(output).toContain('red ok (+1 lines)');
  });

  it('JSON: no string field carries a control byte (a consumer prints them)', () => {
    const bus = new EventBus();
    const lines: string[] = [];
    attachHeadlessReporter(bus, { json: true, verbose: true, write: (line) => lines.push(line) });
    for (const event of hostileEvents) bus.publish(event);
    expect(lines).toHaveLength(hostileEvents.length);
    for (const line of lines) {
      expect(line).not.toMatch(CONTROL);
      // JSON.stringify would have escaped them; here they are gone, not escaped.
      expect(line).not.toMatch(/\\u00(?:1b|07|08|9b)/);
      expect(line).not.toContain('\\r');
    }
  });
});

describe('gaffer status text', () => {
  it('keeps one line per unit, attempt, proposal and merge, with no control byte', () => {
    const report: StatusReport = {
      run: {
        id: 1,
        plan: HOSTILE,
        status: 'completed',
        reason: `${HOSTILE}\nsecond`,
        startedAt: AT,
        endedAt: AT,
        rounds: 1,
        maxRounds: 1,
        spend: { inputTokens: 0, outputTokens: 0, cachedTokens: 0, costUsd: null },
      },
      units: [
        {
          id: 'u',
          title: HOSTILE,
          status: 'failed',
          reason: `${HOSTILE}\nsecond`,
          strikes: 1,
          dependsOn: [],
          origin: 'discovery',
          discoveredFrom: `${HOSTILE}\nsecond`,
          spend: { inputTokens: 0, outputTokens: 0, cachedTokens: 0, costUsd: null },
          attempts: [
            {
              number: 1,
              round: 1,
              outcome: 'failed',
              exitCode: 1,
              commits: 0,
              handoff: null,
              usage: { inputTokens: 0, outputTokens: 0, cachedTokens: 0, costUsd: null },
              reason: `${HOSTILE}\nsecond`,
              log: '/r/u-1.log',
              merge: null,
            },
          ],
        },
      ],
      proposals: [
        {
          id: 1,
          unit: 'u',
          title: HOSTILE,
          status: 'rejected',
          source: 'agent',
          from: HOSTILE,
          reason: `${HOSTILE}\nsecond`,
        },
      ],
      mergeQueue: [{ id: 1, unit: 'u', status: 'rejected', class: 'red', detail: HOSTILE, commit: null }],
      overlaps: [{ unit: 'u', waitedFor: 'v', files: ['src/x.ts'], reason: `${HOSTILE}\nsecond`, at: AT }],
      health: null,
      baseline: null,
      attributions: [],
      green: { branch: 'gaffer/green', commit: null, note: 'not created yet' },
    };
    const text = formatStatus(report);
    expect(text).not.toMatch(CONTROL);
    // The plan, the unit's reason and origin, its attempt, the proposal (from and reason, one line), the merge, the overlap.
    expect(text.split('\n').filter((line) => line.includes('red ok'))).toHaveLength(7);
  });
});

describe('the UI view model', () => {
  it('holds only screen text: titles, plan name, reasons, last lines, merge details and messages', () => {
    const store = new ViewModelStore(
      {
        runId: 1,
        planName: HOSTILE,
        maxRounds: 1,
        units: [{ id: 'u', title: HOSTILE, dependsOn: [] }],
        logDir: '/r/.gaffer',
        concurrency: 1,
      },
      { coalesceMs: 1 },
    );
    for (const event of hostileEvents.filter((event) => event.type !== 'run:started')) store.apply(event);
    store.apply(
      eventOf('attempt:started', {
        ...(hostileEvents[2]?.payload as GafferEvents['attempt:started']),
        attempt: 2,
      }),
    );
    store.apply(eventOf('worker:output', { runId: 1, unitId: 'u', attempt: 2, line: HOSTILE }));
    store.flush();
    const snapshot = store.getSnapshot();
    for (const text of stringsOf(snapshot)) expect(text).not.toMatch(CONTROL);
    // A carriage return redraws a line on a terminal: the screen shows what followed the last one.
    expect(snapshot.header.planName).toBe('PASSED');
    expect(snapshot.workers[0]?.title).toBe('PASSED');
    expect(snapshot.workers[0]?.lastLine).toBe('PASSED');
    expect(snapshot.messages.map((message) => message.text)).toContain('PASSED');

    const state = new MissionState(
      { runId: 1, planName: 'p', maxRounds: 1, units: [], logDir: '/r' },
      Date.parse(AT),
    );
    state.apply(hostileEvents[0] as GafferEvent);
    expect(state.planName).not.toMatch(CONTROL);
  });
});
