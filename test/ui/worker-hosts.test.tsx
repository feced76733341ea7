/**
 * Worker hosts on the screen: where each slot's attempt runs, the hosts up
 * and down in the header, a host's fall and return on the message line; and
 * a single-machine run (or an older log, whose attempts name no host) drawn
 * exactly as before.
 */
import chalk from 'chalk';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { ReplayApp } from '../../components/replay/ReplayApp.js';
import { ReplayDriver } from '../../components/replay/replay-driver.js';
import { themeFor } from '../../components/theme.js';
import { ViewModelStore } from '../../components/view-model/store.js';
import type { GafferEvent, GafferEvents } from '../../src/events/types.js';
import {
  attemptEnded,
  ev,
  footerMessage,
  missionInfo,
  output,
  paneLines,
  renderWithProviders,
  resetClock,
  started,
  unitState,
  useFakeClock,
  type Rendered,
} from './helpers.js';

let ui: Rendered | undefined;
let driver: ReplayDriver | undefined;
const chalkLevel = chalk.level;

useFakeClock(() => {
  ui?.unmount();
  ui = undefined;
  driver?.dispose();
  driver = undefined;
  chalk.level = chalkLevel;
});

/** A host's state change, as the controller records it. */
const hostState = (
  host: string,
  state: GafferEvents['host:state']['state'],
  reason: string | null = null,
): GafferEvent => ev('host:state', { runId: 1, host, state, reason });

/** A unit's attempt starting on `host`; without one, as an older log (or a single-machine run before hosts) says it. */
function startedOn(unitId: string, host?: string, attempt = 1): GafferEvent[] {
  const [state, attemptStarted] = started(unitId, attempt);
  if (!state || attemptStarted?.type !== 'attempt:started') throw new Error('started() changed its shape');
  if (host === undefined) return [state, attemptStarted];
  return [state, { ...attemptStarted, payload: { ...attemptStarted.payload, host } }];
}

const HOSTS_INFO = missionInfo({
  concurrency: 3,
  units: [
    { id: 'parser', title: 'Add the parser', dependsOn: [] },
    { id: 'lexer', title: 'Add the lexer', dependsOn: [] },
    { id: 'docs', title: 'Write the docs', dependsOn: [] },
  ],
});

/** Two worker hosts up, an attempt on each and one on this machine. */
function runOnHosts(): GafferEvent[] {
  return [
    ev('run:started', { runId: 1, planName: 'fleet', repo: '/r', resumed: false, units: 3, maxRounds: 3 }),
    ev('round:started', { runId: 1, round: 1 }),
    hostState('build-1', 'up'),
    hostState('build-2', 'up'),
    ...startedOn('parser', 'build-1'),
    ...startedOn('lexer', 'build-2'),
    ...startedOn('docs', 'local'),
    output('parser', 'compiling the grammar'),
  ];
}

describe('the Workers pane on a run with worker hosts', () => {
  it('says where each slot runs, after the unit, and keeps the newest line beside it', async () => {
    ui = await renderWithProviders({ info: HOSTS_INFO });
    await ui.feed(runOnHosts());
    const [, parser, lexer, docs] = paneLines(ui, 'Workers', 4);
    expect(parser).toMatch(/parser +@build-1 +Add the parser +#1 +running .*compiling the grammar/);
    expect(lexer).toMatch(/lexer +@build-2 +Add the lexer/);
    expect(docs).toMatch(/docs +@local +Write the docs/);
  });

  it('fits a narrow terminal: the host is cut, never wrapped', async () => {
    ui = await renderWithProviders({ info: HOSTS_INFO });
    await ui.resize(60, 20);
    await ui.feed(
      hostState('a-very-long-worker-host-name', 'up'),
      startedOn('parser', 'a-very-long-worker-host-name'),
    );
    await ui.feed(startedOn('lexer', 'build-2'));
    for (const line of ui.lines()) expect(stringWidth(line), line).toBeLessThanOrEqual(60);
    const [, parser, lexer] = paneLines(ui, 'Workers', 3);
    expect(parser).toMatch(/parser +@a-very… #1 +running/);
    expect(lexer).toMatch(/lexer +@build-2 +#1 +running/);
  });
});

describe('a single-machine run', () => {
  it('shows no host at all, whether its attempts name this machine or nothing, until a worker host reports', async () => {
    ui = await renderWithProviders();
    await ui.feed(startedOn('parser', 'local'), startedOn('lexer'));
    const frame = ui.lastFrame() ?? '';
    expect(frame).not.toContain('@');
    expect(frame).not.toContain('hosts');
    expect(paneLines(ui, 'Workers', 2)[1]).toMatch(/parser +Add the parser +#1 +running/);
    // The same slots once the run has a worker host: each says it runs here.
    await ui.feed(hostState('build-1', 'up'));
    expect(paneLines(ui, 'Workers', 3).slice(1).join('\n')).toMatch(/parser +@local[^]*lexer +@local/);
    expect(ui.lines()[0]).toContain('hosts 1/1 up');
  });
});

describe('the header on a run with worker hosts', () => {
  it('counts the hosts up, names one that goes down, and is all up again once it is back', async () => {
    ui = await renderWithProviders({ info: HOSTS_INFO });
    await ui.feed(runOnHosts(), hostState('build-3', 'up'));
    expect(ui.lines()[0]).toContain('running · hosts 3/3 up · green none');

    await ui.feed(hostState('build-2', 'down', 'ssh: connect to host build-2 port 22: Connection refused'));
    expect(ui.lines()[0]).toContain('running · hosts 2/3 up · build-2 down · green none');
    // Why is on the message line, said once however often the reconnection fails the same way.
    expect(footerMessage(ui)).toBe(
      '! host build-2 down: ssh: connect to host build-2 port 22: Connection refused',
    );
    const messages = ui.store.getSnapshot().messages.length;
    await ui.feed(
      hostState('build-2', 'connecting'),
      hostState('build-2', 'down', 'ssh: connect to host build-2 port 22: Connection refused'),
    );
    expect(ui.store.getSnapshot().messages.length).toBe(messages);
    await ui.feed(hostState('build-2', 'connecting'));
    expect(ui.lines()[0]).toContain('hosts 2/3 up · build-2 connecting');

    await ui.feed(hostState('build-2', 'up'));
    expect(ui.lines()[0]).toContain('running · hosts 3/3 up · green none');
    expect(ui.lines()[0]).not.toContain('build-2');
    expect(footerMessage(ui)).toBe('✓ host build-2 is up again');
  });

  it('colours the hosts that are missing and the slots that ran on them', async () => {
    chalk.level = 1;
    ui = await renderWithProviders({ info: HOSTS_INFO });
    await ui.feed(runOnHosts(), hostState('build-2', 'down', 'connection lost'));
    const red = '\u001b[31m';
    expect(ui.lines()[0]).toContain(`${red}build-2 down`);
    expect(paneLines(ui, 'Workers', 3)[2]).toContain(`${red}@build-2`);
    expect(paneLines(ui, 'Workers', 2)[1]).not.toContain(red);
  });

  it('keeps a down host in the title before the plan name at 80 columns, and its start at 60', async () => {
    ui = await renderWithProviders({ info: HOSTS_INFO });
    await ui.resize(80, 20);
    await ui.feed(runOnHosts(), hostState('build-2', 'down', 'connection lost'));
    expect(ui.lines()[0]).toBe(
      'gaffer · round 1/3 · 0s · running · hosts 1/2 up · build-2 down · green none',
    );
    await ui.resize(60, 20);
    const title = ui.lines()[0] ?? '';
    expect(stringWidth(title)).toBeLessThanOrEqual(60);
    expect(title).toMatch(/^gaffer · round 1\/3 · 0s · running · hosts 1\/2 up · build-2/);
  });
});

describe('the view model', () => {
  it('keeps the hosts’ rows when only a worker’s line changed, and forgets a resumed run’s recorded hosts', () => {
    const store = new ViewModelStore(HOSTS_INFO);
    for (const event of runOnHosts()) store.apply(event);
    store.flush();
    const { hosts } = store.getSnapshot();
    expect(hosts).toEqual([
      { name: 'build-1', state: 'up', reason: null },
      { name: 'build-2', state: 'up', reason: null },
    ]);
    store.apply(output('parser', 'still compiling'));
    store.flush();
    expect(store.getSnapshot().hosts).toBe(hosts);
    store.dispose();

    // A resume: the earlier supervisor's "down" is not this one's; the hosts report again as they connect.
    const resumed = new ViewModelStore(
      missionInfo({ history: [...runOnHosts(), hostState('build-2', 'down', 'connection lost')] }),
    );
    expect(resumed.getSnapshot().hosts).toEqual([]);
    expect(resumed.getSnapshot().workers.map((worker) => worker.host)).toEqual([
      'build-1',
      'build-2',
      'local',
    ]);
    resumed.dispose();
  });
});

describe('gaffer replay', () => {
  /** A run recorded before worker hosts: its attempts name no host, and no host:state is in it. */
  function olderLog(): GafferEvent[] {
    resetClock();
    return [
      ev('run:started', {
        runId: 1,
        planName: 'demo-plan',
        repo: '/r',
        resumed: false,
        units: 3,
        maxRounds: 3,
      }),
      ev('round:started', { runId: 1, round: 1 }),
      ...startedOn('parser'),
      ...startedOn('lexer'),
      attemptEnded('parser', 1, 'handed-off'),
      unitState('parser', 'running', 'merging', 'handed off'),
      attemptEnded('lexer', 1, 'failed', { reason: 'exit 1: tests fail' }),
      unitState('lexer', 'running', 'pending', 'exit 1'),
    ];
  }

  async function replay(events: readonly GafferEvent[]): Promise<Rendered> {
    driver = new ReplayDriver(events, HOSTS_INFO, { paused: true });
    ui = await renderWithProviders({ element: <ReplayApp replay={driver} theme={themeFor({})} /> });
    driver.seekTo(events.length);
    await ui.press();
    return ui;
  }

  it('plays a log without host fields as before, and a log with hosts as the run showed them', async () => {
    const older = await replay(olderLog());
    const [, parser, lexer] = paneLines(older, 'Workers', 3);
    expect(parser).toMatch(/parser +Add the parser +#1 +merging/);
    expect(lexer).toMatch(/lexer +Add the lexer +#1 +pending .*tests fail/);
    expect(older.lastFrame()).not.toContain('@');
    expect(older.lines()[0]).not.toContain('hosts');
    older.unmount();
    driver?.dispose();

    resetClock();
    const recent = await replay([...runOnHosts(), hostState('build-1', 'down', 'connection lost')]);
    expect(paneLines(recent, 'Workers', 2)[1]).toMatch(/parser +@build-1/);
    expect(recent.lines()[0]).toContain('hosts 1/2 up · build-1 down');
  });
});
