/**
 * The UI's entry point, loaded by the CLI with a dynamic import() only when
 * it will draw (a terminal, not --headless, not CI). It mounts before the
 * mission starts, with what the plan and config say, so the operator sees
 * the start under way (setPhase) and can quit it; supervise's attach then
 * hands it the run's bus and commands, and it never reaches past them.
 */
import { render, useStdout } from 'ink';
import { useEffect, type ReactNode } from 'react';
import type { CommandResult, MissionControl } from '../src/controller/control.js';
import type { EventBus } from '../src/events/bus.js';
import { App } from './App.js';
import { pagerFor } from './pager.js';
import { endedControl, ScreenControl, startingControl } from './screen-control.js';
import { themeFor } from './theme.js';
import { ViewModelStore } from './view-model/store.js';
import type { Message, MissionInfo } from './view-model/types.js';

/** Ink's own throttle: a second bound behind the view model's coalescing. */
export const MAX_FPS = 20;

export interface UiOptions {
  /** What is known before the run exists: the plan's units, the config's limits (runId 0: none yet). */
  info: MissionInfo;
  /** q while the mission starts: the CLI stops the start as the operator's quit. */
  onQuit: () => void;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** A second Ctrl-C. The CLI decides what forcing means (it exits the process). */
  onForceQuit?: () => void;
  env?: NodeJS.ProcessEnv;
  /** Route console output around the frame (default); tests keep their runner's console. */
  patchConsole?: boolean;
}

export interface UiHandle {
  /** Resolves when the UI has been unmounted. */
  waitUntilExit(): Promise<void>;
  /** What the start is doing, shown in the header; null once the run's controls are live. */
  setPhase(phase: string | null): void;
  /**
   * The run exists (supervise's attach): the screen follows its bus from
   * now on and shows its info; its controls take over the keys once the
   * phase is null. Called again for each run of a screen that stays open.
   */
  attach(bus: EventBus, control: MissionControl, info: MissionInfo): void;
  /** A line for the footer (the CLI's word after the run). */
  say(text: string, kind: Message['kind']): void;
  /**
   * After the run (--stay): the screen stays with its final state; r on a
   * unit calls `retry` (ok: the unit went back, resolves 'again'), q resolves 'quit'.
   */
  stay(retry: (unitId: string) => CommandResult): Promise<'quit' | 'again'>;
  /** Draws the last state (the run's end included) and leaves the screen to the CLI (the summary follows). */
  unmount(): Promise<void>;
}

export { pagerOpen } from './pager.js';

/** Ink's own write to the screen (it clears its frame, writes, then draws the whole frame again). */
interface InkWriter {
  write?: (data: string) => void;
}

/** Hands Ink's writer out of the tree, for the pager's redraw. */
function CaptureWriter({ into, children }: { into: InkWriter; children: ReactNode }) {
  const { write } = useStdout();
  useEffect(() => {
    into.write = write;
  }, [into, write]);
  return children;
}

export function runUi(options: UiOptions): UiHandle {
  const store = new ViewModelStore(options.info);
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  const writer: InkWriter = {};
  const openPager = pagerFor({
    stdin,
    stdout,
    env: options.env ?? process.env,
    redraw: (data) => (writer.write ? writer.write(data) : stdout.write(data)),
  });
  let phase: string | null = 'loading';
  let live: MissionControl | undefined;
  const starting = startingControl(() => phase, options.onQuit);
  const control = new ScreenControl(starting);
  let detach: (() => void) | undefined;
  const instance = render(
    <CaptureWriter into={writer}>
      <App
        store={store}
        control={control}
        theme={themeFor(options.env ?? process.env)}
        onForceQuit={options.onForceQuit}
        openPager={openPager}
      />
    </CaptureWriter>,
    {
      stdout,
      stdin,
      maxFps: MAX_FPS,
      exitOnCtrlC: false,
      // Nothing else may write to the screen while the UI owns it; console output would tear the frame.
      patchConsole: options.patchConsole ?? true,
    },
  );
  let unmounted = false;
  const exited = instance.waitUntilExit().then(
    () => undefined,
    () => undefined,
  );
  return {
    waitUntilExit: () => exited,
    setPhase(next) {
      phase = next;
      store.setPhase(next);
      if (next === null && live) control.switchTo(live);
    },
    attach(bus, runControl, info) {
      detach?.();
      // Subscribed before the run's first event (run:started follows attach): no event is missed.
      store.restart(info);
      detach = store.attach(bus);
      live = runControl;
    },
    say: (text, kind) => store.showMessage(text, kind),
    stay(retry) {
      // The ended run's logs and details stay readable (Enter, l, the output pane).
      const reads = live;
      live = undefined;
      return new Promise((resolve) => {
        control.switchTo(
          endedControl(
            (unitId) => {
              const result = retry(unitId);
              if (!result.ok) return result;
              // The run resumes in this screen: until its controls are live, q stops the start again.
              phase = 'resuming the run';
              control.switchTo(starting);
              resolve('again');
              return result;
            },
            () => resolve('quit'),
            reads,
          ),
        );
      });
    },
    async unmount() {
      if (unmounted) return;
      unmounted = true;
      detach?.();
      store.flush();
      // React commits the flushed snapshot on a later tick; Ink's unmount draws what was
      // committed last. Without the wait the last frame is the one before run:ended: "running".
      await nextTick();
      await nextTick();
      instance.unmount();
      store.dispose();
    },
  };
}

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
