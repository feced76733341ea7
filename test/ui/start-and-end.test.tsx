/**
 * The screen's start and end (issue 11, defects 1 and 3): mounted before the
 * run exists, it says what the start is doing, q stops the start and other
 * keys are answered; once the run ended, the last frame drawn shows the end
 * (never "running") and the elapsed time stopped there.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { runUi, type UiHandle } from '../../components/render.js';
import { ScreenControl, startingControl } from '../../components/screen-control.js';
import { EventBus } from '../../src/events/bus.js';
import { ev, missionInfo, RecordingControl, renderWithProviders, settle, type Rendered } from './helpers.js';

let ui: Rendered | undefined;
let handle: UiHandle | undefined;
afterEach(async () => {
  ui?.unmount();
  ui = undefined;
  await handle?.unmount();
  handle = undefined;
});

const header = (rendered: Rendered): string => rendered.lines().slice(0, 2).join('\n');
const footer = (rendered: Rendered): string => rendered.lines().slice(-3).join('\n');

describe('the starting screen', () => {
  async function starting(): Promise<{ rendered: Rendered; stops: { count: number } }> {
    const stops = { count: 0 };
    let phase: string | null = null;
    const control = new ScreenControl(
      startingControl(
        () => phase,
        () => (stops.count += 1),
      ),
    );
    const rendered = await renderWithProviders({
      info: missionInfo({ runId: 0 }),
      control: control as unknown as RecordingControl,
    });
    phase = 'baseline snapshot: running checks lint, test';
    rendered.store.setPhase(phase);
    await settle();
    return { rendered, stops };
  }

  it('shows what the start is doing, and no run number before the run exists', async () => {
    const { rendered } = await starting();
    ui = rendered;
    expect(header(rendered)).toContain('starting: baseline snapshot: running checks lint, test');
    expect(header(rendered)).not.toContain('run #0');
    expect(rendered.lines()[0]).toContain('· starting ·');
    expect(rendered.lines()[0]).not.toContain('running');
  });

  it('answers other keys with what the start is doing', async () => {
    const { rendered, stops } = await starting();
    ui = rendered;
    await rendered.press('p');
    expect(footer(rendered)).toContain(
      'the mission is starting: baseline snapshot: running checks lint, test; q quits',
    );
    await rendered.press('d');
    expect(footer(rendered)).toContain('the mission is starting');
    expect(stops.count).toBe(0);
  });

  it('q stops the start at once (nothing runs, so no confirmation), Ctrl-C too', async () => {
    const { rendered, stops } = await starting();
    ui = rendered;
    await rendered.press('q');
    expect(stops.count).toBe(1);
    expect(header(rendered)).toContain('STOPPING');
    expect(footer(rendered)).toContain('stopping the start: nothing ran yet, the run stays resumable');
    const again = await starting();
    ui.unmount();
    ui = again.rendered;
    await again.rendered.press('\u0003');
    expect(again.stops.count).toBe(1);
  });

  it('the phase goes once the controls are live: the header says running', async () => {
    const { rendered } = await starting();
    ui = rendered;
    rendered.store.setPhase(null);
    await settle();
    expect(rendered.lines()[0]).toContain('· running ·');
    expect(header(rendered)).toContain('3 pending · 0 running');
    expect(header(rendered)).not.toContain('starting');
  });
});

/** A terminal for runUi: records every write, as Ink's log-update makes them. */
class FakeStdout extends EventEmitter {
  readonly columns = 100;
  readonly rows = 30;
  readonly isTTY = true;
  written = '';
  write = (text: string): boolean => {
    this.written += text;
    return true;
  };
}

class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read(): null {
    return null;
  }
}

describe('the last frame', () => {
  it('shows how the run ended and the elapsed time stopped at the end, never "running"', async () => {
    const stdout = new FakeStdout();
    handle = runUi({
      info: missionInfo({ runId: 0 }),
      onQuit: () => undefined,
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: new FakeStdin() as unknown as NodeJS.ReadStream,
      env: { NO_COLOR: '1' },
      patchConsole: false,
    });
    const bus = new EventBus();
    handle.attach(bus, new RecordingControl(), missionInfo());
    handle.setPhase(null);
    bus.publish(
      ev(
        'run:started',
        { runId: 1, planName: 'demo-plan', repo: '/r', resumed: false, units: 3, maxRounds: 3 },
        '2026-01-01T10:00:00.000Z',
      ),
    );
    await settle();
    // The end comes, and at once the CLI takes the screen back: the frame must not lag behind.
    bus.publish(
      ev(
        'run:ended',
        { runId: 1, status: 'completed', reason: 'every unit settled' },
        '2026-01-01T10:01:15.000Z',
      ),
    );
    await handle.unmount();
    handle = undefined;
    const lastFrame = stdout.written.slice(stdout.written.lastIndexOf('gaffer demo-plan'));
    expect(lastFrame).toContain('1m15s · completed');
    expect(lastFrame).not.toMatch(/· running ·/);
  });
});
