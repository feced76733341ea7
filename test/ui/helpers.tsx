import { afterEach, beforeEach, expect, vi } from 'vitest';
/**
 * Test helpers for the UI: a recording MissionControl (the UI's boundary;
 * the real one is covered end to end), events made like the controller's,
 * and renderWithProviders around ink-testing-library.
 */
import { render } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { App, type AppProps } from '../../components/App.js';
import { themeFor, type Theme } from '../../components/theme.js';
import { ViewModelStore } from '../../components/view-model/store.js';
import type { MissionInfo } from '../../components/view-model/types.js';
import type {
  CommandResult,
  LiveOutput,
  LogView,
  LogViewRequest,
  MissionControl,
  OpenProposal,
  UnitDetail,
} from '../../src/controller/control.js';
import type { AttemptOutcome } from '../../src/machines/attempt.js';
import { readLogWindow } from '../../src/workers/log-window.js';
import type { EventName, GafferEvent, GafferEvents } from '../../src/events/types.js';

export type Call = {
  command: 'kill' | 'retry' | 'setPaused' | 'discover' | 'accept' | 'reject' | 'quit';
  arg?: string | boolean | number;
};

/** Answers every command from a table and remembers what was asked. */
export class RecordingControl implements MissionControl {
  readonly calls: Call[] = [];
  paused = false;
  live: { unitId: string; attempt: number; startedAt: number }[] = [];
  outputs = new Map<string, LiveOutput>();
  /** Each unit's attempts, newest last: logWindow reads their (real) files as the controller does. */
  logs = new Map<string, { attempt: number; outcome: AttemptOutcome; logPath: string }[]>();
  open: OpenProposal[] = [];
  answers: Partial<Record<Call['command'], CommandResult>> = {};
  /** What detail() answers, by unit; an Error is thrown (a failed load); a promise waits (loading). */
  details = new Map<string, UnitDetail | Error | Promise<UnitDetail>>();

  kill(unitId: string): CommandResult {
    this.calls.push({ command: 'kill', arg: unitId });
    return this.answers.kill ?? { ok: true, message: `attempt of ${unitId} is ending` };
  }
  retry(unitId: string): CommandResult {
    this.calls.push({ command: 'retry', arg: unitId });
    return this.answers.retry ?? { ok: true, message: `${unitId} is pending again` };
  }
  setPaused(paused: boolean): CommandResult {
    this.calls.push({ command: 'setPaused', arg: paused });
    this.paused = paused;
    return this.answers.setPaused ?? { ok: true, message: paused ? 'paused' : 'resumed' };
  }
  isPaused(): boolean {
    return this.paused;
  }
  discover(): CommandResult {
    this.calls.push({ command: 'discover' });
    return this.answers.discover ?? { ok: false, message: 'discovery is not configured' };
  }
  accept(proposalId: number): CommandResult {
    this.calls.push({ command: 'accept', arg: proposalId });
    this.open = this.open.filter((proposal) => proposal.id !== proposalId);
    return this.answers.accept ?? { ok: true, message: `proposal #${proposalId} joined the plan` };
  }
  reject(proposalId: number): CommandResult {
    this.calls.push({ command: 'reject', arg: proposalId });
    this.open = this.open.filter((proposal) => proposal.id !== proposalId);
    return this.answers.reject ?? { ok: true, message: `proposal #${proposalId} rejected` };
  }
  proposals(): readonly OpenProposal[] {
    return this.open;
  }
  quit(): CommandResult {
    this.calls.push({ command: 'quit' });
    return this.answers.quit ?? { ok: true, message: 'stopping: the run stays resumable' };
  }
  output(unitId: string): LiveOutput | undefined {
    return this.outputs.get(unitId);
  }
  logWindow(unitId: string, request: LogViewRequest = {}): LogView | undefined {
    const { attempt, ...position } = request;
    const attempts = this.logs.get(unitId) ?? [];
    const row = attempt === undefined ? attempts.at(-1) : attempts.find((one) => one.attempt === attempt);
    return row && { unitId, ...row, ...readLogWindow(row.logPath, position) };
  }
  running(): readonly { unitId: string; attempt: number; startedAt: number }[] {
    return this.live;
  }
  detail(unitId: string): Promise<UnitDetail | undefined> {
    const answer = this.details.get(unitId);
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve(answer);
  }
}

export function missionInfo(overrides: Partial<MissionInfo> = {}): MissionInfo {
  return {
    runId: 1,
    planName: 'demo-plan',
    maxRounds: 3,
    units: [
      { id: 'parser', title: 'Add the parser', dependsOn: [] },
      { id: 'lexer', title: 'Add the lexer', dependsOn: [] },
      { id: 'cli', title: 'Wire the CLI', dependsOn: ['parser', 'lexer'] },
    ],
    logDir: '/tmp/state/logs/run-1',
    concurrency: 2,
    maxAttempts: 3,
    ...overrides,
  };
}

/** Where the tests' clock starts: events are stamped from here, one second apart. */
export const T0 = Date.parse('2026-01-01T10:00:00.000Z');
let clock = T0;

/** Restarts the events' clock at T0 (call it with vi.setSystemTime(T0) for stable elapsed times). */
export function resetClock(): void {
  clock = T0;
}

/** An event as the controller would publish it, its time one second after the previous one. */
export function ev<K extends EventName>(type: K, payload: GafferEvents[K], at?: string): GafferEvent {
  clock += 1000;
  return { type, at: at ?? new Date(clock).toISOString(), payload } as GafferEvent;
}

/** A unit's attempt starting, as the controller reports it. */
export function started(unitId: string, attempt = 1, strikes?: number): GafferEvent[] {
  return [
    ev('unit:state', {
      runId: 1,
      unitId,
      from: 'pending',
      to: 'running',
      reason: `attempt ${attempt} started`,
    }),
    ev('attempt:started', {
      runId: 1,
      unitId,
      attempt,
      round: 1,
      branch: `gaffer/${unitId}-${attempt}`,
      baseCommit: 'a'.repeat(40),
      logPath: `/tmp/state/logs/run-1/${unitId}-attempt-${attempt}.log`,
      ...(strikes === undefined ? {} : { strikes }),
    }),
  ];
}

export function output(unitId: string, line: string, attempt = 1): GafferEvent {
  return ev('worker:output', { runId: 1, unitId, attempt, line });
}

export interface Rendered extends ReturnType<typeof render> {
  store: ViewModelStore;
  control: RecordingControl;
  forced: { count: number };
  /** Feeds events and publishes them at once (the coalescing timer is the store tests' subject). */
  feed(...events: (GafferEvent | GafferEvent[])[]): Promise<void>;
  /** Types keys, as a terminal sends them, one write each. */
  press(...keys: string[]): Promise<void>;
  /** Resizes the fake terminal and tells Ink, as SIGWINCH would. */
  resize(columns: number, rows: number): Promise<void>;
  /** The last frame's lines. */
  lines(): string[];
}

/** Renders the App (or `element`) around a fresh store and a recording control, effects run. */
export async function renderWithProviders(
  options: {
    info?: MissionInfo;
    control?: RecordingControl;
    theme?: Theme;
    element?: ReactElement;
    openPager?: AppProps['openPager'];
  } = {},
): Promise<Rendered> {
  const store = new ViewModelStore(options.info ?? missionInfo());
  const control = options.control ?? new RecordingControl();
  const forced = { count: 0 };
  const instance = render(
    options.element ?? (
      <App
        store={store}
        control={control}
        theme={options.theme ?? themeFor({})}
        onForceQuit={() => (forced.count += 1)}
        openPager={options.openPager}
      />
    ),
  );
  let size = { columns: 100, rows: 24 };
  // ink-testing-library's terminal is 100 columns wide and has no rows: give it both, resizable.
  Object.defineProperty(instance.stdout, 'columns', { get: () => size.columns, configurable: true });
  Object.defineProperty(instance.stdout, 'rows', { get: () => size.rows, configurable: true });
  await settle();
  return {
    ...instance,
    store,
    control,
    forced,
    async feed(...events) {
      for (const event of events.flat()) store.apply(event);
      store.flush();
      await settle();
    },
    async press(...keys) {
      for (const key of keys) {
        instance.stdin.write(key);
        await settle();
      }
    },
    async resize(columns, rows) {
      size = { columns, rows };
      instance.stdout.emit('resize');
      await settle();
    },
    lines() {
      return (instance.lastFrame() ?? '').split('\n');
    },
  };
}

/** Taken before any test installs fake timers: React's scheduler runs effects on the real ones. */
const realSetImmediate = globalThis.setImmediate;

/**
 * Lets React commit and run its effects: a store notification renders on a
 * microtask, and effects (Ink's input listener, the clock's interval) run
 * from React's scheduler on a real macrotask. Independent of fake timers.
 */
export async function settle(): Promise<void> {
  for (let round = 0; round < 3; round += 1) {
    for (let i = 0; i < 10; i += 1) await Promise.resolve();
    await new Promise<void>((resolve) => realSetImmediate(resolve));
  }
}

/** Keys as a terminal sends them. */
export const KEY = {
  up: '\u001b[A',
  down: '\u001b[B',
  right: '\u001b[C',
  left: '\u001b[D',
  tab: '\t',
  escape: '\u001b',
  ctrlC: '\u0003',
  pageUp: '\u001b[5~',
  pageDown: '\u001b[6~',
  home: '\u001b[H',
  end: '\u001b[F',
} as const;

/** Fake timers from T0 around each test; `teardown` (unmounting what the test rendered) runs after it. */
export function useFakeClock(teardown: () => void): void {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
    resetClock();
  });
  afterEach(() => {
    try {
      teardown();
    } finally {
      vi.useRealTimers();
    }
  });
}

/** The footer's message line (above the keys' line). */
export const footerMessage = (rendered: Rendered): string | undefined => rendered.lines().at(-2);

/** Esc: Ink waits a moment to tell a lone Esc from an escape sequence. */
export async function pressEscape(rendered: Rendered): Promise<void> {
  await rendered.press(KEY.escape);
  vi.runOnlyPendingTimers();
  await settle();
}

/** A unit's move, as the controller reports it. */
export function unitState(
  unitId: string,
  from: GafferEvents['unit:state']['from'],
  to: GafferEvents['unit:state']['to'],
  reason: string,
): GafferEvent {
  return ev('unit:state', { runId: 1, unitId, from, to, reason });
}

/** An attempt's end, as the controller reports it; `costUsd` makes its agent report usage. */
export function attemptEnded(
  unitId: string,
  attempt: number,
  outcome: GafferEvents['attempt:ended']['outcome'],
  { reason = outcome, costUsd = null }: { reason?: string; costUsd?: number | null } = {},
): GafferEvent {
  return ev('attempt:ended', {
    runId: 1,
    unitId,
    attempt,
    outcome,
    exitCode: outcome === 'handed-off' ? 0 : 1,
    durationMs: 1000,
    commits: 0,
    handoff: 'missing',
    reason,
    usage: costUsd === null ? null : { inputTokens: 1000, outputTokens: 500, cachedTokens: 0, costUsd },
  });
}

/** A pane's lines from its title's line: `count` of them. */
export function paneLines(rendered: Rendered, title: string, count: number): string[] {
  const lines = rendered.lines();
  const start = lines.findIndex((line) => line.includes(title));
  expect(start, `a pane titled "${title}" in:\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0);
  return lines.slice(start, start + count);
}
